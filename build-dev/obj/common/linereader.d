build-dev/obj/common/linereader.o: common/linereader.c \
 common/linereader.h
common/linereader.h:
