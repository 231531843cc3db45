build-dev/obj/tests/unit/test_linereader.o: tests/unit/test_linereader.c \
 tests/unit/../../common/linereader.h
tests/unit/../../common/linereader.h:
