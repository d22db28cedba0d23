/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digest.c — sha256 digests in the "sha256:<hex>" form the OCI specs use,
 * computed with libcrypto's EVP interface, and their validation.
 */
#include <string.h>

#include "image/image_i.h"

static void to_hex(const unsigned char *md, unsigned n,
		   char out[IMG_DIGEST_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	memcpy(p, "sha256:", 7);
	p += 7;
	for (unsigned i = 0; i < n && i < 32; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = 0;
}

void img_hash_init(struct img_hash *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
		fprintf(stderr, "cshell: cannot initialise sha256\n");
		abort();
	}
}

void img_hash_update(struct img_hash *h, const void *data, size_t n)
{
	if (n)
		EVP_DigestUpdate(h->ctx, data, n);
}

void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	to_hex(md, n, out);
	img_hash_release(h);
}

void img_hash_release(struct img_hash *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void img_sha256(const void *data, size_t n, char out[IMG_DIGEST_LEN])
{
	struct img_hash h;

	img_hash_init(&h);
	img_hash_update(&h, data, n);
	img_hash_final(&h, out);
}

int img_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0)
		return 0;
	d += 7;
	for (int i = 0; i < 64; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
		      (d[i] >= 'a' && d[i] <= 'f')))
			return 0;
	return d[64] == 0;
}

const char *img_digest_hex(const char *digest)
{
	/* Paths built from a damaged record must stay inside the store. */
	return img_digest_valid(digest) ? digest + 7 : "invalid-digest";
}
