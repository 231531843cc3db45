build-dev/obj/tests/unit/test_pytime.o: tests/unit/test_pytime.c \
 tests/unit/../../common/pytime.h tests/unit/vectors.h
tests/unit/../../common/pytime.h:
tests/unit/vectors.h:
