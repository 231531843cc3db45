build-dev/obj/tests/unit/test_output.o: tests/unit/test_output.c \
 tests/unit/../../common/output.h tests/unit/../../common/buf.h
tests/unit/../../common/output.h:
tests/unit/../../common/buf.h:
