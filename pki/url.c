/*
 * url.c: https URLs parsed once into their parts (struct pki_url), the
 * rules of the cluster description (etcd-pki-cluster(5)) by default:
 * "https://HOST:PORT" as etcd takes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Returns 1 if s holds a control character or a space. */
static int
has_ctrl_or_space(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ' ')
			return 1;
	return 0;
}

/* Fills err with the problem alone and returns PKI_ERR_INPUT. */
static int
why(struct pki_error *err, const char *text)
{
	return pki_err(err, PKI_ERR_INPUT, "%s", text);
}

int
pki_url_parse(const char *url, int flags, struct pki_url *out,
    struct pki_error *err)
{
	const char	*p, *end, *colon, *h;
	size_t		 hlen, i, plen;
	int		 lax = (flags & PKI_URL_LAX) != 0;

	memset(out, 0, sizeof(*out));
	if (has_ctrl_or_space(url))
		return why(err, "URLs must not contain spaces or control "
		    "characters");
	if (strncasecmp(url, "http://", 7) == 0)
		return why(err, "http:// is not allowed: etcd-pki sets up TLS, "
		    "use https://");
	if (strncmp(url, "https://", 8) != 0)
		return why(err, "expected an https:// URL");
	p = url + 8;
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && !lax)
		return why(err, "must be https://HOST:PORT, without a path "
		    "(etcd refuses one, even \"/\")");
	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		return why(err, "must not have user information");
	if (*p == '[') {
		h = p + 1;
		if ((colon = memchr(p, ']', (size_t)(end - p))) == NULL)
			return why(err, "missing ']' after the IPv6 address");
		hlen = (size_t)(colon - h);
		colon++;
		if (colon != end && *colon != ':')
			return why(err, "needs a port (https://HOST:PORT)");
		if (colon == end)
			colon = NULL;
		out->ipv6 = 1;
	} else {
		h = p;
		colon = NULL;
		for (i = 0; p + i < end; i++)
			if (p[i] == ':') {
				if (colon != NULL)
					return why(err, "IPv6 addresses go in "
					    "brackets (https://[ADDRESS]:PORT)");
				colon = p + i;
			}
		hlen = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (colon == NULL && !lax)
		return why(err, "needs a port (https://HOST:PORT)");
	if (hlen == 0)
		return why(err, "has no host");
	if (hlen >= sizeof(out->host))
		return why(err, "host name too long");
	memcpy(out->host, h, hlen);
	if (colon != NULL) {
		plen = (size_t)(end - colon - 1);
		if (plen == 0 || strspn(colon + 1, "0123456789") < plen)
			return why(err, "the port must be a number");
		if (plen > 5 || (out->port_num = atoi(colon + 1)) < 1 ||
		    out->port_num > 65535)
			return why(err, "the port must be 1..65535");
		memcpy(out->port, colon + 1, plen);
	} else {
		snprintf(out->port, sizeof(out->port), "443");
		out->port_num = 443;
	}
	if (out->ipv6 && strchr(out->host, ':') == NULL)
		return why(err, "only IPv6 addresses go in brackets");
	snprintf(out->scheme, sizeof(out->scheme), "https");
	return PKI_OK;
}
