build-dev/obj/tests/unit/test_pyjson.o: tests/unit/test_pyjson.c \
 tests/unit/../../common/pyjson.h tests/unit/../../common/buf.h \
 tests/unit/../../common/record.h tests/unit/../../common/pytime.h \
 tests/unit/vectors.h
tests/unit/../../common/pyjson.h:
tests/unit/../../common/buf.h:
tests/unit/../../common/record.h:
tests/unit/../../common/pytime.h:
tests/unit/vectors.h:
