/*
 * Helpers shared by the libFuzzer targets in tests/fuzz: a private scratch
 * directory for parsers that read files, and the oracle's abort.
 */
#ifndef VMHA_TESTS_FUZZ_UTIL_H
#define VMHA_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/** The entry point every target defines (called by libFuzzer or fuzz_replay.c). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** @return a directory private to this process, removed at exit */
const char *vmha_fuzz_dir(void);

/**
 * Write data to vmha_fuzz_dir()/name.
 *
 * @return a static path (valid until the next call), or NULL
 */
const char *vmha_fuzz_write(const char *name, const void *data, size_t size);

/** @return a malloc'ed, NUL-terminated copy of data (aborts when out of memory) */
char *vmha_fuzz_strndup(const uint8_t *data, size_t size);

/** The oracle found a wrong result: print why and abort (the input is kept as a crash). */
void vmha_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* VMHA_TESTS_FUZZ_UTIL_H */
