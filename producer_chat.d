producer_chat: producer_chat.c common/buf.h common/diag.h common/kafka.h \
 common/options.h common/linereader.h common/options.h common/output.h \
 common/pytime.h common/record.h common/buf.h common/signals.h
common/buf.h:
common/diag.h:
common/kafka.h:
common/options.h:
common/linereader.h:
common/options.h:
common/output.h:
common/pytime.h:
common/record.h:
common/buf.h:
common/signals.h:
