/*
 * caps.h: what the parsers of hostile input share (see etcd-pki(1)
 * DIAGNOSTICS); the host list caps are public: pki_hosts_check_caps() in
 * pki.h.  Private to pki/.
 */
#ifndef PKI_CAPS_H
#define PKI_CAPS_H

/*
 * Returns a clearer text for some of jansson's parse errors (a NUL
 * character, the nesting limit), else text itself.  Static or borrowed.
 */
const char	*pki_json_errtext(const char *text);

#endif
