build-dev/tests/peakrss: tests/tools/peakrss.c
