/*
 * etcdc.c: drives pki/etcd.c and pki_tls_probe() from the command line
 * for tests/cli/t-etcd-client.sh, printing each result on one line in a
 * fixed, parseable form.
 *
 * usage: etcdc -e URL[,URL...] [-c CA] [-C CERT] [-k KEY] [-t MS] [-a EP]
 *            COMMAND ARGS...
 *   health EP                 healthy=0|1
 *   status EP                 member_id=HEX leader=HEX raft_index=N
 *                             raft_term=N raft_applied=N version=V errors=E
 *   members EP                id=HEX name=NAME learner=0|1 peers=U,..
 *                             clients=U,..   (one line per member)
 *   alarms EP                 alarms=N desc=TEXT
 *   grant EP TTL              lease=DEC hex=HEX
 *   keepalive EP LEASE        ttl=N
 *   revoke EP LEASE           revoked
 *   lock EP NAME LEASE MS     locked key=KEY | busy holder=TEXT
 *   unlock EP KEY             unlocked
 *   move-leader EP HEX        moved
 *   probe HOST PORT [CERT KEY]  accepted=0|1 served_serial=DEC
 * EP is an endpoint index (0-based) or -1 for "any"; LEASE is decimal.
 * -a EP calls pki_etcd_avoid(EP) first.  Errors: "etcdc: TEXT" on stderr
 * and exit status 1; a usage error exits 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"

static void
usage(void)
{
	fprintf(stderr, "usage: etcdc -e URL[,URL...] [-c ca] [-C cert] "
	    "[-k key] [-t ms] [-a ep] command args...\n");
	exit(2);
}

/* Strict decimal (base 10) or hex (base 16) number; exits 2 if bad. */
static long long
num(const char *s, int base)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, base);
	if (*s == '\0' || *end != '\0' || errno != 0)
		usage();
	return v;
}

static uint64_t
unum(const char *s, int base)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (*s < '0' || *s > '9')
		if (base != 16 || !((*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F')))
			usage();
	v = strtoull(s, &end, base);
	if (*end != '\0' || errno != 0)
		usage();
	return (uint64_t)v;
}

/* Reads a whole PEM file; exits 1 on failure. */
static char *
slurp(const char *path, size_t *len)
{
	struct pki_error	 err;
	char			*buf = NULL;

	if (pki_input_read(path, 0, PKI_MAX_INPUT, &buf, len, &err) != 0) {
		fprintf(stderr, "etcdc: %s\n", err.text);
		exit(1);
	}
	return buf;
}

static int
probe(int argc, char **argv)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL, *served = NULL;
	struct pki_key		*key = NULL;
	char			*cbuf = NULL, *kbuf = NULL, *dec = NULL;
	size_t			 clen = 0, klen = 0;
	int			 accepted = 0, ret = 1;

	if (argc != 3 && argc != 5)
		usage();
	if (argc == 5) {
		cbuf = slurp(argv[3], &clen);
		kbuf = slurp(argv[4], &klen);
		if (pki_cert_load(cbuf, clen, argv[3], &cert, &err) != 0 ||
		    pki_key_load(kbuf, klen, argv[4], NULL, &key, &err) != 0)
			goto fail;
	}
	if (pki_tls_probe(argv[1], argv[2], cert, key, 5000, &served,
	    &accepted, &err) != 0 || pki_cert_serial(served, &dec, &err) != 0)
		goto fail;
	printf("accepted=%d served_serial=%s\n", accepted, dec);
	ret = 0;
	goto out;
 fail:
	fprintf(stderr, "etcdc: %s\n", err.text);
 out:
	free(dec);
	pki_cert_free(served);
	pki_cert_free(cert);
	pki_key_free(key);
	free(cbuf);
	pki_secret_free(kbuf, klen);
	return ret;
}

static int
run(struct pki_etcd *c, int argc, char **argv)
{
	struct pki_error	 err;
	struct pki_etcd_status	 st;
	struct pki_etcd_member	*m = NULL;
	const char		*cmd = argv[0];
	char			 desc[1024], *key = NULL;
	size_t			 n = 0, i, j, keylen = 0;
	int64_t			 lease;
	long			 ttl;
	int			 ep, v = 0, busy = 0, r = -1;

	memset(&err, 0, sizeof(err));
	if (argc < 2)
		usage();
	ep = (int)num(argv[1], 10);
	if (strcmp(cmd, "health") == 0 && argc == 2) {
		if ((r = pki_etcd_health(c, ep, &v, &err)) == 0)
			printf("healthy=%d\n", v);
	} else if (strcmp(cmd, "status") == 0 && argc == 2) {
		if ((r = pki_etcd_status(c, ep, &st, &err)) == 0)
			printf("member_id=%" PRIx64 " leader=%" PRIx64
			    " raft_index=%" PRIu64 " raft_term=%" PRIu64
			    " raft_applied=%" PRIu64 " version=%s errors=%s\n",
			    st.member_id, st.leader, st.raft_index,
			    st.raft_term, st.raft_applied, st.version,
			    st.errors);
	} else if (strcmp(cmd, "members") == 0 && argc == 2) {
		if ((r = pki_etcd_members(c, ep, &m, &n, &err)) == 0)
			for (i = 0; i < n; i++) {
				printf("id=%" PRIx64 " name=%s learner=%d "
				    "peers=", m[i].id, m[i].name, m[i].learner);
				for (j = 0; j < m[i].npeer_urls; j++)
					printf("%s%s", j > 0 ? "," : "",
					    m[i].peer_urls[j]);
				printf(" clients=");
				for (j = 0; j < m[i].nclient_urls; j++)
					printf("%s%s", j > 0 ? "," : "",
					    m[i].client_urls[j]);
				printf("\n");
			}
		pki_etcd_members_free(m, n);
	} else if (strcmp(cmd, "alarms") == 0 && argc == 2) {
		if ((r = pki_etcd_alarms(c, ep, &n, desc, sizeof(desc),
		    &err)) == 0)
			printf("alarms=%zu desc=%s\n", n, desc);
	} else if (strcmp(cmd, "grant") == 0 && argc == 3) {
		if ((r = pki_etcd_lease_grant(c, ep, (long)num(argv[2], 10),
		    &lease, &err)) == 0)
			printf("lease=%" PRId64 " hex=%" PRIx64 "\n", lease,
			    (uint64_t)lease);
	} else if (strcmp(cmd, "keepalive") == 0 && argc == 3) {
		if ((r = pki_etcd_lease_keepalive(c, ep, num(argv[2], 10),
		    &ttl, &err)) == 0)
			printf("ttl=%ld\n", ttl);
	} else if (strcmp(cmd, "revoke") == 0 && argc == 3) {
		if ((r = pki_etcd_lease_revoke(c, ep, num(argv[2], 10),
		    &err)) == 0)
			printf("revoked\n");
	} else if (strcmp(cmd, "lock") == 0 && argc == 5) {
		desc[0] = '\0';
		if ((r = pki_etcd_lock(c, ep, argv[2], num(argv[3], 10),
		    (long)num(argv[4], 10), &key, &keylen, &busy, desc,
		    sizeof(desc), &err)) == 0) {
			if (busy)
				printf("busy holder=%s\n", desc);
			else
				printf("locked key=%.*s\n", (int)keylen, key);
		}
		free(key);
	} else if (strcmp(cmd, "unlock") == 0 && argc == 3) {
		if ((r = pki_etcd_unlock(c, ep, argv[2], strlen(argv[2]),
		    &err)) == 0)
			printf("unlocked\n");
	} else if (strcmp(cmd, "move-leader") == 0 && argc == 3) {
		if ((r = pki_etcd_move_leader(c, ep, unum(argv[2], 16),
		    &err)) == 0)
			printf("moved\n");
	} else
		usage();
	if (r != 0) {
		fprintf(stderr, "etcdc: %s\n", err.text);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pki_etcd_conf	 conf;
	struct pki_error	 err;
	struct pki_etcd		*c = NULL;
	char			*urls = NULL, *p, *tok, *save = NULL;
	const char		*eps[16];
	int			 ch, avoid = -2, ret;

	memset(&conf, 0, sizeof(conf));
	conf.endpoints = eps;
	while ((ch = getopt(argc, argv, "+a:c:C:e:k:t:")) != -1) {
		switch (ch) {
		case 'a':
			avoid = (int)num(optarg, 10);
			break;
		case 'c':
			conf.ca_file = optarg;
			break;
		case 'C':
			conf.cert_file = optarg;
			break;
		case 'e':
			free(urls);
			if ((urls = strdup(optarg)) == NULL)
				return 1;
			conf.nendpoints = 0;
			for (p = urls; (tok = strtok_r(p, ",", &save)) !=
			    NULL; p = NULL) {
				if (conf.nendpoints == 16)
					usage();
				eps[conf.nendpoints++] = tok;
			}
			break;
		case 'k':
			conf.key_file = optarg;
			break;
		case 't':
			conf.timeout_ms = (long)num(optarg, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "probe") == 0) {
		free(urls);
		return probe(argc, argv);
	}
	if (pki_etcd_new(&conf, &c, &err) != 0) {
		fprintf(stderr, "etcdc: %s\n", err.text);
		free(urls);
		return 1;
	}
	if (avoid != -2)
		pki_etcd_avoid(c, avoid);
	ret = run(c, argc, argv);
	pki_etcd_free(c);
	free(urls);
	return ret;
}
