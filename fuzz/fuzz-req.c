/*
 * fuzz-req: a PEM certificate request as sign and certinfo -csr read
 * it: pki_req_load (which verifies its signature), its certinfo JSON
 * and its re-encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

FUZZ_ENTRY(req)
{
	struct pki_error	 err;
	struct pki_req		*req = NULL;
	char			*buf = NULL, *json = NULL, *pem = NULL;
	size_t			 pemlen = 0;

	memset(&err, 0, sizeof(err));
	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	if (pki_req_load(buf, size, "fuzz.csr", &req, &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	if (pki_req_info_json(req, &json, &err) == 0)
		(void)strlen(json);
	else
		(void)strlen(err.text);
	if (pki_req_encode(req, &pem, &pemlen, &err) != 0)
		(void)strlen(err.text);
 out:
	free(pem);
	free(json);
	pki_req_free(req);
	free(buf);
	return 0;
}
