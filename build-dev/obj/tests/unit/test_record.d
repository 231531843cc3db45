build-dev/obj/tests/unit/test_record.o: tests/unit/test_record.c \
 tests/unit/../../common/record.h tests/unit/../../common/buf.h \
 tests/unit/../../common/pytime.h tests/unit/vectors.h
tests/unit/../../common/record.h:
tests/unit/../../common/buf.h:
tests/unit/../../common/pytime.h:
tests/unit/vectors.h:
