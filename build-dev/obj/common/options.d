build-dev/obj/common/options.o: common/options.c common/options.h \
 common/output.h common/buf.h common/diag.h
common/options.h:
common/output.h:
common/buf.h:
common/diag.h:
