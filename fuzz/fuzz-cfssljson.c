/*
 * fuzz-cfssljson: cfssl's output as "etcd-pki json" (cfssljson) reads
 * it: pki_cfssljson_parse bare and as the API envelope, then every item
 * and error message.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

static void
one(const char *buf, size_t len, int bare)
{
	struct pki_error	 err;
	struct pki_cfssljson	*cj = NULL;
	const char		*item;
	size_t			 ilen;
	int			 i, n;

	memset(&err, 0, sizeof(err));
	if (pki_cfssljson_parse(buf, len, bare, &cj, &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	n = pki_cfssljson_failed(cj);
	for (i = 0; i < n; i++)
		(void)strlen(pki_cfssljson_error(cj, i));
	for (i = 0; i < PKI_CJ__COUNT; i++) {
		ilen = 0;
		if ((item = pki_cfssljson_item(cj, i, &ilen)) != NULL &&
		    ilen > 0)
			(void)fuzz_touch(item, ilen);
		(void)strlen(pki_cfssljson_suffix(i));
	}
 out:
	pki_cfssljson_free(cj);
}

FUZZ_ENTRY(cfssljson)
{
	char	*buf;

	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	one(buf, size, 1);
	one(buf, size, 0);
	pki_secret_free(buf, size + 1);
	return 0;
}
