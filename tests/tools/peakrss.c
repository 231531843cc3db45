/*
 * peakrss - runs a program and writes its peak resident set size (KiB) to
 * a file: `peakrss OUT PROGRAM [ARG]...`; exits as the program did.
 *
 * The kernel counts in a child's ru_maxrss what it had before exec(), so a
 * child forked by a big test runner reports the runner's size. Forked
 * from this small program instead, the number is the program's own.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct rusage usage;
        FILE *out;
        pid_t pid;
        int status;

        if (argc < 3) {
                fprintf(stderr, "usage: peakrss OUT PROGRAM [ARG]...\n");
                return 2;
        }
        pid = fork();
        if (pid == -1) {
                perror("peakrss: fork");
                return 2;
        }
        if (pid == 0) {
                execvp(argv[2], argv + 2);
                perror("peakrss: exec");
                _exit(127);
        }
        if (wait4(pid, &status, 0, &usage) == -1) {
                perror("peakrss: wait4");
                return 2;
        }
        out = fopen(argv[1], "w");
        if (!out || fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || fclose(out) != 0) {
                perror("peakrss: writing the result");
                return 2;
        }
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
