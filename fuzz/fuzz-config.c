/*
 * fuzz-config: a signing configuration (-config) through
 * pki_config_parse, normal and strict, then the profile lookups gencert
 * and sign make, and the remote settings of each profile found.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

static const char *const names[] = {
	NULL, "", "default", "server", "client", "peer", "ca", "intermediate",
	"www", "no-such-profile"
};

static void
one(const char *buf, size_t len, int strict)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	struct pki_config	*cfg = NULL;
	const struct pki_profile *p;
	struct pki_remote	 rem;
	size_t			 i, warned = 0;

	memset(&err, 0, sizeof(err));
	memset(&po, 0, sizeof(po));
	po.strict = strict;
	po.warn = fuzz_warn;
	po.warn_arg = &warned;
	if (pki_config_parse(buf, len, "fuzz-config.json", &po, &cfg,
	    &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = NULL;
		if (pki_config_profile(cfg, names[i], &p, &err) != 0) {
			(void)strlen(err.text);
			continue;
		}
		memset(&rem, 0, sizeof(rem));
		if (pki_remote_for_profile(cfg, p, NULL, &rem, &err) == 0) {
			/* The borrowed strings must still be valid. */
			(void)strlen(rem.urls);
			if (rem.auth_key != NULL)
				(void)strlen(rem.auth_key);
		} else
			(void)strlen(err.text);
		(void)pki_profile_is_remote(p);
	}
 out:
	pki_config_free(cfg);
}

FUZZ_ENTRY(config)
{
	char	*buf;

	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	one(buf, size, 0);
	one(buf, size, 1);
	free(buf);
	return 0;
}
