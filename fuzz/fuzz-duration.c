/*
 * fuzz-duration: a duration as the configuration, the CSR's ca.expiry,
 * -renew-before and -expiry read it (pki_duration_parse), and the round
 * trip through Go's formatting: what pki_duration_format prints must
 * parse back to the same value.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

FUZZ_ENTRY(duration)
{
	struct pki_error	 err;
	char			*s;
	char			 out[64];
	int64_t			 ns = 0, back = 0;

	memset(&err, 0, sizeof(err));
	if ((s = fuzz_copy(data, size)) == NULL)
		return 0;
	if (pki_duration_parse(s, &ns, &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	pki_duration_format(ns, out, sizeof(out));
	if (pki_duration_parse(out, &back, &err) != 0 || back != ns)
		abort();	/* the round trip is broken: a finding */
 out:
	free(s);
	return 0;
}
