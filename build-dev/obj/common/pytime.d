build-dev/obj/common/pytime.o: common/pytime.c common/pytime.h
common/pytime.h:
