#include "display.h"

void display_line(struct output *out, const char *when, const char *sender,
                  size_t sender_len, const char *message, size_t message_len,
                  const char *suffix)
{
        output_str(out, "[");
        output_str(out, when);
        output_str(out, "][");
        if (sender)
                output_untrusted(out, sender, sender_len);
        else
                output_str(out, "FRIEND");
        output_str(out, "] ");
        output_untrusted(out, message, message_len);
        if (suffix)
                output_str(out, suffix);
        output_str(out, "\n");
}

void display_exit(struct output *out, const char *when)
{
        output_str(out, "[");
        output_str(out, when);
        output_str(out, "] 발신자가 프로그램을 종료하였습니다.\n[");
        output_str(out, when);
        output_str(out, "] 수신 프로그램을 종료합니다.\n");
}
