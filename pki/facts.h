/*
 * facts.h: the SAN text form of facts.c, which clverify.c reuses.
 * Private to pki/.
 */
#ifndef PKI_FACTS_H
#define PKI_FACTS_H

#include <stddef.h>

struct GENERAL_NAME_st;

/*
 * Writes one SAN as text into buf: "DNS:x", "IP:10.0.0.1" (Go's
 * net.IP.String(), so an IPv4-mapped address is shown as IPv4),
 * "email:x", "URI:x", else "other:N".  Truncates to size.
 */
void	pki_san_text(const struct GENERAL_NAME_st *gen, char *buf,
	    size_t size);

#endif /* PKI_FACTS_H */
