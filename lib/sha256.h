/*
 * SHA-256 (FIPS 180-4) of a byte stream, for the disk copies of a cold
 * migration: each end's data is hashed and the two digests compared.
 */
#ifndef VMHA_SHA256_H
#define VMHA_SHA256_H

#include <stddef.h>
#include <stdint.h>

/** Length of a digest as lowercase hex, with its terminating NUL. */
#define VMHA_SHA256_HEX_LEN 65

/** A running SHA-256 (plain struct: it lives on the stack or in a struct). */
struct vmha_sha256 {
	uint32_t h[8];
	uint64_t total_bytes;
	uint8_t block[64];
	size_t used;
};

/** Start a new digest. */
void vmha_sha256_init(struct vmha_sha256 *s);

/** Add len bytes of data. */
void vmha_sha256_update(struct vmha_sha256 *s, const void *data, size_t len);

/** Finish: the digest as 64 lowercase hex digits in hex (s is spent). */
void vmha_sha256_final_hex(struct vmha_sha256 *s, char hex[VMHA_SHA256_HEX_LEN]);

#endif /* VMHA_SHA256_H */
