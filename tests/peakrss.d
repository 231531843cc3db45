tests/peakrss: tests/tools/peakrss.c
