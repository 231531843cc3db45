build-dev/obj/common/output.o: common/output.c common/output.h \
 common/buf.h common/utf8.h
common/output.h:
common/buf.h:
common/utf8.h:
