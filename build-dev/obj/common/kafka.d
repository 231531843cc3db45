build-dev/obj/common/kafka.o: common/kafka.c common/kafka.h \
 common/options.h common/output.h common/buf.h common/diag.h \
 common/signals.h
common/kafka.h:
common/options.h:
common/output.h:
common/buf.h:
common/diag.h:
common/signals.h:
