build-dev/obj/common/record.o: common/record.c common/record.h \
 common/buf.h common/pytime.h common/pyjson.h common/utf8.h
common/record.h:
common/buf.h:
common/pytime.h:
common/pyjson.h:
common/utf8.h:
