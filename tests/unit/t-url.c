/*
 * t-url.c: pki_url_parse() (pki/url.c), etcd's "https://HOST:PORT" and the
 * lax form needs-renewal takes; and the parts a cluster description's
 * leaves hand out (pki_cluster_leaf).
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "tap.h"

struct ucase {
	const char	*url;
	int		 flags;
	const char	*host;		/* NULL: refused, why below */
	const char	*port;
	int		 ipv6;
	const char	*why;
};

static const struct ucase cases[] = {
	{ "https://10.0.0.1:2379", 0, "10.0.0.1", "2379", 0, NULL },
	{ "https://[fd00::1]:2380", 0, "fd00::1", "2380", 1, NULL },
	{ "https://etcd1.example:65535", 0, "etcd1.example", "65535", 0, NULL },
	{ "https://h:1", 0, "h", "1", 0, NULL },
	{ "https://h", 0, NULL, NULL, 0, "needs a port (https://HOST:PORT)" },
	{ "https://[fd00::1]", 0, NULL, NULL, 0,
	  "needs a port (https://HOST:PORT)" },
	{ "https://h:2379/", 0, NULL, NULL, 0, "must be https://HOST:PORT, "
	  "without a path (etcd refuses one, even \"/\")" },
	{ "http://h:2379", 0, NULL, NULL, 0, "http:// is not allowed: "
	  "etcd-pki sets up TLS, use https://" },
	{ "h:2379", 0, NULL, NULL, 0, "expected an https:// URL" },
	{ "https://u@h:2379", 0, NULL, NULL, 0,
	  "must not have user information" },
	{ "https://fd00::1:2379", 0, NULL, NULL, 0, "IPv6 addresses go in "
	  "brackets (https://[ADDRESS]:PORT)" },
	{ "https://[fd00::1:2379", 0, NULL, NULL, 0,
	  "missing ']' after the IPv6 address" },
	{ "https://[h]:2379", 0, NULL, NULL, 0,
	  "only IPv6 addresses go in brackets" },
	{ "https://:2379", 0, NULL, NULL, 0, "has no host" },
	{ "https://h:23x9", 0, NULL, NULL, 0, "the port must be a number" },
	{ "https://h:", 0, NULL, NULL, 0, "the port must be a number" },
	{ "https://h:0", 0, NULL, NULL, 0, "the port must be 1..65535" },
	{ "https://h:65536", 0, NULL, NULL, 0, "the port must be 1..65535" },
	{ "https://h :2379", 0, NULL, NULL, 0,
	  "URLs must not contain spaces or control characters" },
	{ "https://h", PKI_URL_LAX, "h", "443", 0, NULL },
	{ "https://[::1]", PKI_URL_LAX, "::1", "443", 1, NULL },
	{ "https://h:8443/health?x#y", PKI_URL_LAX, "h", "8443", 0, NULL },
	{ "https://h.example:2379/path", PKI_URL_LAX, "h.example", "2379", 0,
	  NULL },
	{ "https://[::1]x", PKI_URL_LAX, NULL, NULL, 0,
	  "needs a port (https://HOST:PORT)" },
	{ "https://u@h/", PKI_URL_LAX, NULL, NULL, 0,
	  "must not have user information" },
};

int
main(void)
{
	struct pki_error		 e;
	struct pki_url			 u;
	struct pki_cluster		*cl = NULL;
	struct pki_cluster_leaf_info	 li;
	static const char		 desc[] = "{\"members\":[{\"name\":\"a\","
	    "\"ips\":[\"10.0.0.1\",\"fd00::2\"],\"dns\":[\"a.example\"],"
	    "\"client_urls\":[\"https://a.example:2379\","
	    "\"https://[fd00::2]:2379\"]}],\"clients\":[{\"name\":\"admin\"}]}";
	size_t				 i;
	int				 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		r = pki_url_parse(cases[i].url, cases[i].flags, &u, &e);
		if (cases[i].host != NULL)
			ok(r == 0 && strcmp(u.host, cases[i].host) == 0 &&
			    strcmp(u.port, cases[i].port) == 0 &&
			    u.port_num == atoi(cases[i].port) &&
			    u.ipv6 == cases[i].ipv6 &&
			    strcmp(u.scheme, "https") == 0, "%s%s: %s, %s",
			    cases[i].url, cases[i].flags ? " (lax)" : "",
			    cases[i].host, cases[i].port);
		else
			ok(r == PKI_ERR_INPUT && strcmp(e.text, cases[i].why) ==
			    0, "%s%s: refused: %s", cases[i].url,
			    cases[i].flags ? " (lax)" : "", e.text);
	}

	/* The parts come with the strings, parsed once. */
	memset(&e, 0, sizeof(e));
	if (pki_cluster_parse(desc, sizeof(desc) - 1, "d.json", NULL, &cl,
	    &e) != 0) {
		ok(0, "description: %s", e.text);
		return done_testing();
	}
	pki_cluster_leaf(cl, 0, &li);
	ok(li.nclient_urls == 2 && li.client_url_parts != NULL &&
	    strcmp(li.client_url_parts[0].host, "a.example") == 0 &&
	    strcmp(li.client_url_parts[1].host, "fd00::2") == 0 &&
	    li.client_url_parts[1].ipv6 &&
	    li.client_url_parts[1].port_num == 2379,
	    "member a: client URL parts, as written");
	ok(li.npeer_urls == 1 && li.peer_url_parts != NULL &&
	    strcmp(li.peer_urls[0], "https://10.0.0.1:2380") == 0 &&
	    strcmp(li.peer_url_parts[0].host, "10.0.0.1") == 0 &&
	    strcmp(li.peer_url_parts[0].port, "2380") == 0,
	    "member a: the default peer URL's parts");
	pki_cluster_leaf(cl, 1, &li);
	ok(!li.member && li.client_url_parts == NULL &&
	    li.peer_url_parts == NULL, "a client: no URLs");
	pki_cluster_free(cl);
	return done_testing();
}
