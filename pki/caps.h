/*
 * caps.h: the input caps of csr.c for callers outside a CSR JSON (a
 * private header of the hostile-input work; see etcd-pki(1) DIAGNOSTICS).
 */
#ifndef PKI_CAPS_H
#define PKI_CAPS_H

#include <stddef.h>

struct pki_error;

/*
 * Checks a host list (given as what, e.g. "-hostname") against the caps
 * on the number of hosts and the length of a DNS name, a DNS label, an
 * e-mail address and a URI, and for hosts that look like IP addresses
 * but are not, or are empty: warnings through opts (may be NULL), or with
 * opts->strict PKI_ERR_INPUT with err filled as "what: "host": problem".
 * hosts is borrowed.
 */
int	pki_hosts_check_caps(char *const *hosts, size_t n, const char *what,
	    const struct pki_parse_opts *opts, struct pki_error *err)
	    __attribute__((warn_unused_result));

/*
 * Returns a clearer text for some of jansson's parse errors (a NUL
 * character, the nesting limit), else text itself.  Static or borrowed.
 */
const char	*pki_json_errtext(const char *text);

#endif
