build-dev/obj/tests/unit/test_utf8.o: tests/unit/test_utf8.c \
 tests/unit/../../common/utf8.h tests/unit/../../common/buf.h
tests/unit/../../common/utf8.h:
tests/unit/../../common/buf.h:
