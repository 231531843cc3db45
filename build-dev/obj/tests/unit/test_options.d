build-dev/obj/tests/unit/test_options.o: tests/unit/test_options.c \
 tests/unit/../../common/kafka.h tests/unit/../../common/options.h \
 tests/unit/../../common/output.h tests/unit/../../common/buf.h \
 tests/unit/../../common/options.h
tests/unit/../../common/kafka.h:
tests/unit/../../common/options.h:
tests/unit/../../common/output.h:
tests/unit/../../common/buf.h:
tests/unit/../../common/options.h:
