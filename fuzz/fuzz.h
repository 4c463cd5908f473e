/*
 * fuzz.h: what the libFuzzer targets share.
 *
 * Each fuzz/fuzz-NAME.c defines its entry with FUZZ_ENTRY(NAME).  In a
 * fuzzing build that is libFuzzer's LLVMFuzzerTestOneInput(); built with
 * -DFUZZ_REPLAY (tests/fuzz-replay) it is fuzz_NAME(), and
 * fuzz/replay.c calls every target from one ordinary program.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_REPLAY
#define FUZZ_ENTRY(name)	int fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_ENTRY(name)	int LLVMFuzzerTestOneInput(const uint8_t *data, \
			    size_t size)
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

int	fuzz_csr(const uint8_t *, size_t);
int	fuzz_config(const uint8_t *, size_t);
int	fuzz_cluster(const uint8_t *, size_t);
int	fuzz_cert(const uint8_t *, size_t);
int	fuzz_req(const uint8_t *, size_t);
int	fuzz_key(const uint8_t *, size_t);
int	fuzz_duration(const uint8_t *, size_t);
int	fuzz_hosts(const uint8_t *, size_t);
int	fuzz_cfssljson(const uint8_t *, size_t);

/*
 * Returns a malloc'ed NUL-terminated copy of data, as pki_input_read()
 * hands the library its inputs, or NULL when out of memory.
 */
char	*fuzz_copy(const uint8_t *data, size_t size);

/* A parser warning sink that only reads the text. */
void	 fuzz_warn(void *arg, const char *text);

/* Reads all n bytes at p (so ASan checks them); returns their sum. */
unsigned fuzz_touch(const void *p, size_t n);

#endif /* FUZZ_H */
