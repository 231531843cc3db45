build-dev/obj/common/pyjson.o: common/pyjson.c common/pyjson.h \
 common/buf.h common/utf8.h
common/pyjson.h:
common/buf.h:
common/utf8.h:
