/*
 * opts.c: the flag table (every flag of every command, once, typed; a few
 * have per-command variants of the same name) and the parser, which
 * checks every value against its type.  Names, types and help texts of
 * cfssl's own flags follow cfssl's cli/config.go, and accept what it
 * accepts.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "log.h"
#include "opts.h"
#include "../help/help.h"

#define NS_MS		INT64_C(1000000)
#define NS_SEC		INT64_C(1000000000)
#define NS_HOUR		(3600 * NS_SEC)

/* The choices of the ENUM flags, in the order of OPT_* in opts.h. */
static const char *const key_formats[] = { "cfssl", "pkcs8", NULL };
static const char *const layouts[] = { "fixed", "generations", NULL };
static const char *const restarts[] = { "none", "rolling", NULL };
static const char *const key_modes[] = { "0600", "0640", NULL };
static const char *const phases[] = { "add-trust", "reissue", "drop-old",
    NULL };
static const char *const out_formats[] = { "text", "json", "prometheus",
    NULL };
static const char *const out_formats_ca[] = { "text", "json", NULL };
static const char *const out_formats_json[] = { "json", NULL };

const struct opt_def opt_table[OPT__COUNT] = {
	[OPT_AKI] =
	{ "aki", OPT_TYPE_STRING, "HEX", "revoke -db-config: authority key identifier of the certificate, in hex (as cfssl stores it)" },
	[OPT_ALLOW_INVALID_ISSUER] =
	{ "allow-invalid-issuer", OPT_TYPE_BOOL, NULL, "gencert, sign, cluster issue: sign even with a CA certificate that is expired, not yet valid or not a CA (test fixtures of broken chains); what it signs does not verify" },
	[OPT_ALLOW_SAN_CHANGE] =
	{ "allow-san-change", OPT_TYPE_BOOL, NULL, "renew: reissue even when the CSR JSON's SANs or subject differ from the certificate's" },
	[OPT_BARE] =
	{ "bare", OPT_TYPE_BOOL, NULL, "the response from CFSSL is not wrapped in the API standard response" },
	[OPT_CA] =
	{ "ca", OPT_TYPE_SPEC, "CERT", "CA certificate (a path, env:VAR or file:PATH); with a remote signer, the CA the answer must come from" },
	[OPT_CA_BUNDLE] =
	{ "ca-bundle", OPT_TYPE_PATH, "FILE", "bundle: the trusted root certificates (PEM; default: the system's)" },
	[OPT_CA_KEY] =
	{ "ca-key", OPT_TYPE_SPEC, "KEY", "CA private key (a path, env:VAR or file:PATH)" },
	[OPT_CA_KEY_PASSWORD] =
	{ "ca-key-password", OPT_TYPE_SPEC, "env:VAR|file:PATH", "password of an encrypted CA key (default: $CFSSL_CA_PK_PASSWORD)" },
	[OPT_CERT] =
	{ "cert", OPT_TYPE_PATH, "FILE", "certificate file ('-' for stdin)" },
	[OPT_CLIENT_URLS] =
	{ "client-urls", OPT_TYPE_STRING, "URLS", "member add: the new member's client URLs, comma-separated (default https://IP:2379, IP the first of -hostname)" },
	[OPT_CLUSTER] =
	{ "cluster", OPT_TYPE_PATH, "DESC", "the cluster description whose output directory (the argument DIR) holds the certificates" },
	[OPT_CN] =
	{ "cn", OPT_TYPE_STRING, "NAME", "common name of the certificate, replacing the CSR JSON's CN" },
	[OPT_CONFIG] =
	{ "config", OPT_TYPE_PATH, "FILE", "signing configuration (cfssl config JSON)" },
	[OPT_CRITICAL] =
	{ "critical", OPT_TYPE_SHARE, "PCT%|DURATION", "check: CRITICAL when less than this share of the lifetime, or time, is left (default 10%)",
	  .pct_max = 100, .min = 0 },
	[OPT_CRL] =
	{ "crl", OPT_TYPE_STRING, "URL", "CRL distribution point URL, replacing the profile's crl_url" },
	[OPT_CRON] =
	{ "cron", OPT_TYPE_BOOL, NULL, "schedule: a cron.d line instead of systemd units" },
	[OPT_CRON_DIR] =
	{ "cron-dir", OPT_TYPE_OUTPUT, "DIR", "schedule -install -cron: where the cron.d file goes (default /etc/cron.d)" },
	[OPT_CSR] =
	{ "csr", OPT_TYPE_PATH, "FILE", "PEM certificate request file ('-' for stdin)" },
	[OPT_CSR_JSON] =
	{ "csr-json", OPT_TYPE_PATH, "FILE", "renew: the CSR JSON to reissue from (default: DIR/NAME-csr.json next to the certificate)" },
	[OPT_DATA_DIR] =
	{ "data-dir", OPT_TYPE_STRING, "DIR", "member add: the new member's etcd data directory (default: the description's data_dir)" },
	[OPT_DB_CONFIG] =
	{ "db-config", OPT_TYPE_PATH, "FILE", "revoke: certificate database configuration, cfssl's JSON {\"driver\":\"sqlite3\",\"data_source\":PATH}" },
	[OPT_DEPLOY_HOOK] =
	{ "deploy-hook", OPT_TYPE_STRING, "CMD", "renew: command run once per activated renewal (argv, no shell)" },
	[OPT_DNS] =
	{ "dns", OPT_TYPE_STRING, "LIST", "cluster init: DNS names to add to members, as MEMBER=NAME,..." },
	[OPT_DOMAIN] =
	{ "domain", OPT_TYPE_STRING, "HOST[:PORT]", "certinfo: the TLS server whose certificate to describe (port 443 by default); bundle: not supported" },
	[OPT_DRY_RUN] =
	{ "dry-run", OPT_TYPE_BOOL, NULL, "renew: do every step and check in a scratch directory; change nothing" },
	[OPT_ETCD_CACERT] =
	{ "etcd-cacert", OPT_TYPE_PATH, "FILE", "renew -restart rolling without -cluster: the CA bundle that verifies etcd's client port, as etcdctl's --cacert (default $ETCDCTL_CACERT)" },
	[OPT_ETCD_CERT] =
	{ "etcd-cert", OPT_TYPE_PATH, "FILE", "renew -restart rolling without -cluster: the client certificate for etcd, as etcdctl's --cert (default $ETCDCTL_CERT)" },
	[OPT_ETCD_ENDPOINTS] =
	{ "etcd-endpoints", OPT_TYPE_STRING, "URLS", "renew -restart rolling without -cluster: etcd's client URLs, comma-separated, as etcdctl's --endpoints (default $ETCDCTL_ENDPOINTS); the members and this node's member (the certificate's CN) come from etcd's member list" },
	[OPT_ETCD_KEY] =
	{ "etcd-key", OPT_TYPE_PATH, "FILE", "renew -restart rolling without -cluster: the client key for etcd, as etcdctl's --key (default $ETCDCTL_KEY)" },
	[OPT_EXPIRES_IN] =
	{ "expires-in", OPT_TYPE_SHARE, "PCT%|DURATION", "needs-renewal: due when this share of the lifetime is used, or less than this time is left (default 66%)",
	  .pct_max = 100, .pct_flags = OPT_PCT_WHOLE, .min = 0 },
	[OPT_EXPIRY] =
	{ "expiry", OPT_TYPE_DURATION, "DURATION", "cluster issue: validity of new leaf certificates, replacing the profile's (e.g. 10m, 48h); ca renew: validity of the renewed CA (default: its current validity length)",
	  .min = NS_SEC },
	[OPT_F] =
	{ "f", OPT_TYPE_PATH, "FILE", "JSON input ('-' for stdin, the default)" },
	[OPT_FLAVOR] =
	{ "flavor", OPT_TYPE_STRING, "ubiquitous|optimal|force", "bundle: how the chain is chosen (default ubiquitous, which falls back to optimal without platform metadata; force: the input as it is)" },
	[OPT_FORCE] =
	{ "force", OPT_TYPE_BOOL, NULL, "renew: renew even when not due; rollback: switch even to a generation with another key" },
	[OPT_HORIZON] =
	{ "horizon", OPT_TYPE_SHARE, "PCT%|DURATION", "cluster verify: a certificate with less than this share of its lifetime, or this time, left is a problem (default: past its renewal point, as renew computes it)",
	  .pct_max = 100, .min = 0 },
	[OPT_HOSTNAME] =
	{ "hostname", OPT_TYPE_STRING, "LIST", "comma-separated hosts, replacing the request's" },
	[OPT_INITCA] =
	{ "initca", OPT_TYPE_BOOL, NULL, "create a new self-signed CA" },
	[OPT_INITIAL_CLUSTER] =
	{ "initial-cluster", OPT_TYPE_STRING, "STRING", "cluster init: etcd's initial-cluster string, NAME=PEER_URL,..." },
	[OPT_INSTALL] =
	{ "install", OPT_TYPE_BOOL, NULL, "schedule: write the units (or cron file) and enable them instead of printing" },
	[OPT_INT_BUNDLE] =
	{ "int-bundle", OPT_TYPE_PATH, "FILE", "bundle: intermediate certificates to build the chain from (PEM)" },
	[OPT_IPS] =
	{ "ips", OPT_TYPE_STRING, "LIST", "cluster init: member IP addresses, as MEMBER=IP,..." },
	[OPT_J] =
	{ "j", OPT_TYPE_INT, "N", "cluster issue: worker threads (default: one per CPU, or one per key when there are at most four per CPU)",
	  .min = 1, .max = INT_MAX },
	[OPT_KEEP] =
	{ "keep", OPT_TYPE_INT, "N", "renew: old generations to keep (default 3)",
	  .min = 0, .max = INT_MAX },
	[OPT_KEY] =
	{ "key", OPT_TYPE_PATH, "FILE", "private key file" },
	[OPT_KEY_ALGO] =
	{ "key-algo", OPT_TYPE_STRING, "ALGO-SIZE", "cluster init and issue -members: key of every certificate (ecdsa-256, rsa-2048, ed25519, ...)" },
	[OPT_KEY_FORMAT] =
	{ "key-format", OPT_TYPE_ENUM, "cfssl|pkcs8", "private key encoding: cfssl (PKCS#1/SEC1, the default) or pkcs8",
	  .choices = key_formats, .noun = "format" },
	[OPT_LABEL] =
	{ "label", OPT_TYPE_STRING, "LABEL", "key label of a remote multi-root CA (multirootca); no effect on local signing" },
	[OPT_LAYOUT] =
	{ "layout", OPT_TYPE_ENUM, "generations|fixed", "renew: on-disk layout (default: generations, converting a fixed set on its first renewal)",
	  .choices = layouts, .noun = "layout" },
	[OPT_LEARNER] =
	{ "learner", OPT_TYPE_BOOL, NULL, "member add: add it as a learner, promoted once it has caught up (with -start-cmd)" },
	[OPT_LOGLEVEL] =
	{ "loglevel", OPT_TYPE_INT, "N", "log level (0 = DEBUG, 1 = INFO, 2 = WARNING, 3 = ERROR, 5 = FATAL)",
	  .min = 0, .max = 5 },
	[OPT_MEMBER] =
	{ "member", OPT_TYPE_STRING, "NAME", "with -cluster: only this member or client" },
	[OPT_MODE] =
	{ "mode", OPT_TYPE_ENUM, "0600|0640", "renew, cluster issue: the mode of a new private key: 0600, or 0640 for the service's group to read it (beating the description's key_mode and the one kept from the old key); cluster export: the private key's mode (0640: readable by -owner's group)",
	  .choices = key_modes, .noun = "mode" },
	[OPT_MEMBERS] =
	{ "members", OPT_TYPE_INT, "N", "cluster init and issue: N synthetic members m1..mN on 127.0.x.y (CI fixtures)",
	  .min = 1, .max = 10000 },
	[OPT_METRICS_FILE] =
	{ "metrics-file", OPT_TYPE_OUTPUT, "FILE", "also write the status as a node_exporter textfile, atomically" },
	[OPT_MUTUAL_TLS_CLIENT_CERT] =
	{ "mutual-tls-client-cert", OPT_TYPE_PATH, "FILE", "client certificate for a remote CA server that requires one (mutual TLS)" },
	[OPT_MUTUAL_TLS_CLIENT_KEY] =
	{ "mutual-tls-client-key", OPT_TYPE_PATH, "FILE", "private key of -mutual-tls-client-cert" },
	[OPT_NAME] =
	{ "name", OPT_TYPE_STRING, "NAME", "cluster init: cluster name; schedule: unit or cron file name (default etcd-pki-renew)" },
	[OPT_NOT_BEFORE] =
	{ "not-before", OPT_TYPE_TIME, "TIME|-DURATION", "cluster issue: start of validity of new leaf certificates (RFC 3339, or a duration before now)" },
	[OPT_NO_SYNC] =
	{ "no-sync", OPT_TYPE_BOOL, NULL, "cluster issue: do not fsync (files are still replaced atomically; for throw-away fixtures)" },
	[OPT_O] =
	{ "o", OPT_TYPE_OUTPUT, "NAME", "output: gencert/sign write NAME.pem, NAME-key.pem and NAME.csr instead of JSON; cluster init writes the file NAME; cluster issue writes into the directory NAME; ca renew writes NAME.pem instead of replacing -ca; status prints text, json or prometheus; ca status prints text or json" },
	[OPT_OWNER] =
	{ "owner", OPT_TYPE_STRING, "USER[:GROUP]", "renew, cluster issue: the owner of a new private key (names or numbers; USER alone: the user's login group; :GROUP: the group only), beating the description's and the one kept from the old key; cluster export: the owner (and group) of the private key on the node, by name (default root)" },
	[OPT_PASSWORD] =
	{ "password", OPT_TYPE_STRING, "PASSWORD", "bundle: password of a PKCS #12 -cert (default \"0\", as cfssl)" },
	[OPT_PEER_URLS] =
	{ "peer-urls", OPT_TYPE_STRING, "URLS", "member add: the new member's peer URLs, comma-separated (default https://IP:2380)" },
	[OPT_PHASE] =
	{ "phase", OPT_TYPE_ENUM, "add-trust|reissue|drop-old", "ca rotate: the phase of the CA rotation to run",
	  .choices = phases, .noun = "phase" },
	[OPT_POST_HOOK] =
	{ "post-hook", OPT_TYPE_STRING, "CMD", "renew: command run once per run in which something was due, also on failure (argv, no shell)" },
	[OPT_PRE_HOOK] =
	{ "pre-hook", OPT_TYPE_STRING, "CMD", "renew: command run once before the first renewal of a run (argv, no shell)" },
	[OPT_PROFILE] =
	{ "profile", OPT_TYPE_STRING, "NAME", "signing profile of the configuration (default: the default profile)" },
	[OPT_QUIET] =
	{ "quiet", OPT_TYPE_BOOL, NULL, "renew: print nothing when nothing is due; renew, cluster issue, ca rotate: no progress line on a terminal" },
	[OPT_REASON] =
	{ "reason", OPT_TYPE_STRING, "REASON", "revoke: why, an RFC 5280 reason name (keyCompromise, superseded, cessationOfOperation, ...) or its number (default unspecified)" },
	[OPT_REKEY] =
	{ "rekey", OPT_TYPE_BOOL, NULL, "renew: make a new private key instead of keeping the current one" },
	[OPT_REMOTE] =
	{ "remote", OPT_TYPE_STRING, "URL", "remote CA server (cfssl serve or multirootca) for every profile: host[:port] or URL, or a comma-separated failover list" },
	[OPT_REMOTE_TIMEOUT] =
	{ "remote-timeout", OPT_TYPE_DURATION, "DURATION", "how long to wait for each remote CA server (default 30s)",
	  .min = NS_MS },
	[OPT_RENEWCA] =
	{ "renewca", OPT_TYPE_BOOL, NULL, "re-sign a CA certificate with its own key (needs -ca and -ca-key)" },
	[OPT_RENEW_BEFORE] =
	{ "renew-before", OPT_TYPE_SHARE, "PCT%|DURATION", "renew when this share of the lifetime (default 33%), or this time, is left",
	  .pct_max = 100, .pct_flags = OPT_PCT_MIN_EXCL | OPT_PCT_MAX_EXCL, .min = NS_SEC },
	[OPT_REPLACE_KEY] =
	{ "replace-key", OPT_TYPE_BOOL, NULL, "renew -rekey: renew a set whose key does not match its certificate (the new key is the caller's, 0600)" },
	[OPT_RESTART] =
	{ "restart", OPT_TYPE_ENUM, "none|rolling", "renew, ca rotate: how the members pick up the new files: none (files only; etcd re-reads leaf certificates on each handshake, with a kept key, but trust bundles only at start) or rolling (one member at a time through etcd's lock, with health gates and automatic rollback; ca rotate's default)",
	  .choices = restarts, .noun = "mode" },
	[OPT_RESTART_CMD] =
	{ "restart-cmd", OPT_TYPE_STRING, "CMD", "renew, rollback, ca rotate: command that restarts the member after activation (argv, no shell; $ETCD_PKI_MEMBER names it; -restart rolling: default systemctl restart etcd)" },
	[OPT_SERIAL] =
	{ "serial", OPT_TYPE_STRING, "SERIAL", "revoke -db-config: serial number of the certificate, in decimal (as cfssl stores it)" },
	[OPT_STAGGER] =
	{ "stagger", OPT_TYPE_PERCENT, "PCT%", "per-member renewal offset, at most this share of the lifetime (default 5%; 0% turns it off)",
	  .pct_max = 100, .pct_flags = OPT_PCT_MAX_EXCL },
	[OPT_START_CMD] =
	{ "start-cmd", OPT_TYPE_STRING, "CMD", "renew -layout fixed -rekey: command that starts the member after the swap" },
	[OPT_STDOUT] =
	{ "stdout", OPT_TYPE_BOOL, NULL, "print the files' contents instead of writing them" },
	[OPT_STOP_CMD] =
	{ "stop-cmd", OPT_TYPE_STRING, "CMD", "renew -layout fixed -rekey: command that stops the member before the swap" },
	[OPT_STRICT] =
	{ "strict", OPT_TYPE_BOOL, NULL, "make every warning of the strictness policy an error (exit 1, nothing written; renew and ca rotate -phase reissue: the set is left as it was, exit 3): unknown or repeated JSON keys, values RFC 5280 does not allow, unknown usages, hosts that look like IP addresses, flags the command does not use, a leaf outliving its CA, ..." },
	[OPT_SYSTEMD] =
	{ "systemd", OPT_TYPE_BOOL, NULL, "schedule: a systemd service and timer (the default)" },
	[OPT_TIMEOUT] =
	{ "timeout", OPT_TYPE_DURATION, "DURATION", "ca status: how long each TLS probe of a member may take (default 5s)",
	  .min = NS_MS, .max = NS_HOUR,
	  .range_why = "need a duration from 1ms to 1h (e.g. 5s)" },
	[OPT_TLS_REMOTE_CA] =
	{ "tls-remote-ca", OPT_TYPE_PATH, "FILE", "CA bundle to verify an https remote CA server with (default: the system's)" },
	[OPT_TO] =
	{ "to", OPT_TYPE_STRING, "GEN", "rollback: the generation to switch to (default: the one before current)" },
	[OPT_TOKEN] =
	{ "token", OPT_TYPE_STRING, "TOKEN", "cluster init: initial-cluster-token" },
	[OPT_UNIT] =
	{ "unit", OPT_TYPE_BOOL, NULL, "cluster export: add /etc/systemd/system/etcd.service (User= the -owner, settings from etcd.env, so the CRL holds)" },
	[OPT_UNIT_DIR] =
	{ "unit-dir", OPT_TYPE_OUTPUT, "DIR", "schedule -install: where the systemd units go (default /etc/systemd/system)" },
	[OPT_VERBOSE] =
	{ "verbose", OPT_TYPE_BOOL, NULL, "needs-renewal: print why" },
	[OPT_VERSION] =
	{ "version", OPT_TYPE_BOOL, NULL, "print the version and exit" },
	[OPT_WARNING] =
	{ "warning", OPT_TYPE_SHARE, "PCT%|DURATION", "check: WARNING when less than this share of the lifetime, or time, is left (default 20%)",
	  .pct_max = 100, .min = 0 },
	[OPT_GATE_TIMEOUT] =
	{ "gate-timeout", OPT_TYPE_DURATION, "DURATION", "-restart rolling: how long the member may take to be healthy, caught up and serving the expected certificate after its restart (default 2m)",
	  .min = NS_SEC, .max = 24 * NS_HOUR },
	[OPT_LOCK_TTL] =
	{ "lock-ttl", OPT_TYPE_DURATION, "DURATION", "-restart rolling: TTL of the lease holding the cluster lock, longer than -gate-timeout (default 5m)",
	  .min = 5 * NS_SEC, .max = 24 * NS_HOUR },
	[OPT_MAX_LAG] =
	{ "max-lag", OPT_TYPE_INT, "N", "-restart rolling: raft entries the restarted member may be behind the leader (default 100)",
	  .min = 0, .max = INT_MAX },
	[OPT_RECORD] =
	{ "record", OPT_TYPE_OUTPUT, "FILE", "-restart rolling: append one JSON line per step (lock, gates, restart, rollback) to FILE" },
	[OPT_SETTLE] =
	{ "settle", OPT_TYPE_DURATION, "DURATION", "-restart rolling: wait this long after the gates passed before releasing the cluster lock (default 30s)",
	  .min = 0, .max = 24 * NS_HOUR },
	[OPT_O_STATUS] =
	{ "o", OPT_TYPE_ENUM, "text|json|prometheus", "status: print text, json or prometheus (a node_exporter textfile)",
	  .choices = out_formats, .noun = "format" },
	[OPT_O_CA_STATUS] =
	{ "o", OPT_TYPE_ENUM, "text|json", "ca status: print text or json",
	  .choices = out_formats_ca, .noun = "format" },
	[OPT_FORMAT] =
	{ "format", OPT_TYPE_ENUM, "text|json", "print text (the default) or one JSON document (etcd-pki(1), JSON output)",
	  .choices = out_formats_ca, .noun = "format" },
	[OPT_FORMAT_STATUS] =
	{ "format", OPT_TYPE_ENUM, "text|json|prometheus", "status: print text, json or prometheus (-o's newer spelling)",
	  .choices = out_formats, .noun = "format" },
	[OPT_FORMAT_CERTINFO] =
	{ "format", OPT_TYPE_ENUM, "json", "certinfo, cluster init: json, the only format, as their output is JSON (accepted for scripts that pass -format json everywhere)",
	  .choices = out_formats_json, .noun = "format" },
};

/*
 * The flags of cfssl's shared flag set (cli/config.go) that etcd-pki
 * defines too.  cfssl accepts each of them on every command; the commands
 * below do too, and report the ones they do not use.
 */
static const int cfssl_flags[] = {
	OPT_HOSTNAME, OPT_CERT, OPT_CSR, OPT_CA, OPT_CA_KEY, OPT_KEY,
	OPT_CONFIG, OPT_PROFILE, OPT_LABEL, OPT_REMOTE, OPT_INITCA,
	OPT_RENEWCA, OPT_CN, OPT_CRL, OPT_TLS_REMOTE_CA,
	OPT_MUTUAL_TLS_CLIENT_CERT, OPT_MUTUAL_TLS_CLIENT_KEY, OPT_CA_BUNDLE,
	OPT_INT_BUNDLE, OPT_FLAVOR, OPT_DOMAIN, OPT_PASSWORD, OPT_LOGLEVEL,
	OPT_END
};
static const char *const cfssl_cmds[] = {
	"gencert", "genkey", "gencsr", "sign", "selfsign", "certinfo", "info",
	"print-defaults", "version", "bundle", "gencrl", NULL
};

/* Returns 1 if cmd is one of cfssl's commands. */
static int
cfssl_cmd(const char *cmd)
{
	size_t	i;

	for (i = 0; cmd != NULL && cfssl_cmds[i] != NULL; i++)
		if (strcmp(cmd, cfssl_cmds[i]) == 0)
			return 1;
	return 0;
}

static int
opt_allowed(const int *allowed, int id)
{
	for (; *allowed != OPT_END; allowed++)
		if (*allowed == id)
			return 1;
	return 0;
}

/*
 * The id of flag name (len bytes): among the allowed ones first (a
 * per-command variant), else anywhere in the table; -1 if none.
 */
static int
opt_lookup(const char *name, size_t len, const int *allowed)
{
	const int	*a;
	int		 id;

	for (a = allowed; *a != OPT_END; a++)
		if (strlen(opt_table[*a].name) == len &&
		    strncmp(opt_table[*a].name, name, len) == 0)
			return *a;
	for (id = 0; id < OPT__COUNT; id++)
		if (strlen(opt_table[id].name) == len &&
		    strncmp(opt_table[id].name, name, len) == 0)
			return id;
	return -1;
}

/* strconv.ParseBool */
static int
parse_bool(const char *s, int *v)
{
	static const char *const t[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const f[] = { "0", "f", "F", "false", "FALSE", "False" };
	size_t	i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

static int
parse_int(const char *s, long *v)
{
	char	*end;
	long	 n;

	if (*s == '\0')
		return -1;
	errno = 0;
	n = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || n < INT_MIN || n > INT_MAX)
		return -1;
	*v = n;
	return 0;
}

/* ---- typed values ---------------------------------------------------- */

/* A duration for messages: "1s", "5m", "24h", "1ms", "0s". */
static void
fmt_ns(int64_t ns, char *buf, size_t size)
{
	static const struct {
		int64_t		 unit;
		const char	*name;
	} units[] = {
		{ 3600 * NS_SEC, "h" }, { 60 * NS_SEC, "m" }, { NS_SEC, "s" },
		{ NS_MS, "ms" }, { 1000, "us" }, { 1, "ns" }
	};
	size_t	i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].unit == 0) {
			snprintf(buf, size, "%lld%s",
			    (long long)(ns / units[i].unit), ns == 0 ? "s" :
			    units[i].name);
			return;
		}
}

/* "a, b or c" of a choices list. */
static void
fmt_choices(const char *const *c, char *buf, size_t size)
{
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; c[i] != NULL; i++)
		n += (size_t)snprintf(buf + (n < size ? n : size), n < size ?
		    size - n : 0, "%s%s", i == 0 ? "" : c[i + 1] == NULL ?
		    " or " : ", ", c[i]);
}

/* Reports a bad value of flag d (printf-style, after "-NAME: "). */
static int
bad(struct opts *o, const struct opt_def *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct opts *o, const struct opt_def *d, const char *fmt, ...)
{
	va_list	 ap;
	char	 text[512];

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_err("-%s: %s", d->name, text);
	return OPT_PARSE_BAD;
}

/* A duration of d in [min, max]: its problem, or NULL. */
static const char *
ns_range(const struct opt_def *d, int64_t ns, char *buf, size_t size)
{
	char	a[32], b[32];

	if (ns >= d->min && (d->max == 0 || ns <= d->max))
		return NULL;
	fmt_ns(d->min, a, sizeof(a));
	fmt_ns(d->max, b, sizeof(b));
	if (d->max != 0)
		snprintf(buf, size, "must be between %s and %s", a, b);
	else if (d->min == 0)
		snprintf(buf, size, "must not be negative");
	else
		snprintf(buf, size, "must be at least %s", a);
	return buf;
}

/* A percentage of d in its range: its problem, or NULL. */
static const char *
pct_range(const struct opt_def *d, double v, char *buf, size_t size)
{
	int	lo = d->pct_flags & OPT_PCT_MIN_EXCL;
	int	hi = d->pct_flags & OPT_PCT_MAX_EXCL;

	if ((d->pct_flags & OPT_PCT_WHOLE) && v != (double)(long)v)
		return "must be a whole percentage";
	if ((lo ? v > d->pct_min : v >= d->pct_min) &&
	    (hi ? v < d->pct_max : v <= d->pct_max))
		return NULL;
	if (!lo && hi)
		snprintf(buf, size, "must be at least %g%% and less than %g%%",
		    d->pct_min, d->pct_max);
	else
		snprintf(buf, size, "must be between %g%% and %g%%",
		    d->pct_min, d->pct_max);
	return buf;
}

/* -not-before's forms: RFC 3339 UTC, or a duration from now. */
static int
parse_time(const char *v, time_t *t, int64_t *ns, int *is_time)
{
	struct pki_error	 err;
	struct tm		 tm;
	const char		*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end != NULL && *end == '\0') {
		*t = timegm(&tm);
		*is_time = 1;
		return 0;
	}
	*is_time = 0;
	return pki_duration_parse(v, ns, &err) == PKI_OK ? 0 : -1;
}

/* Checks and stores value v of flag id; OPT_PARSE_OK or _BAD. */
static int
typed(struct opts *o, int id, const char *v)
{
	const struct opt_def	*d = &opt_table[id];
	struct pki_error	 err;
	struct pki_share	 sh;
	const char		*why;
	char			 buf[128];
	int			 k, is_time;

	memset(&err, 0, sizeof(err));
	/* An empty value is the default, as opts_str() says. */
	if (*v == '\0')
		return OPT_PARSE_OK;
	switch (d->type) {
	case OPT_TYPE_INT:
		if (o->i[id] >= d->min && o->i[id] <= d->max)
			return OPT_PARSE_OK;
		if (d->max < INT_MAX)
			return bad(o, d, "%ld is out of range (%lld..%lld)",
			    o->i[id], (long long)d->min, (long long)d->max);
		if (d->min == 0)
			return bad(o, d, "%ld: must not be negative", o->i[id]);
		return bad(o, d, "%ld: must be at least %lld", o->i[id],
		    (long long)d->min);
	case OPT_TYPE_DURATION:
		if (pki_duration_parse(v, &o->ns[id], &err) != PKI_OK)
			return bad(o, d, "%s: not a duration (e.g. 90s, 48h)",
			    v);
		if ((why = ns_range(d, o->ns[id], buf, sizeof(buf))) != NULL)
			return bad(o, d, "%s: %s", v, d->range_why != NULL ?
			    d->range_why : why);
		return OPT_PARSE_OK;
	case OPT_TYPE_PERCENT:
	case OPT_TYPE_SHARE:
		if (pki_share_parse(v, d->type == OPT_TYPE_PERCENT, &sh,
		    &err) != PKI_OK)
			return bad(o, d, "%s: %s", v, err.text);
		o->is_pct[id] = sh.is_pct;
		o->pct[id] = sh.pct;
		o->ns[id] = sh.ns;
		why = sh.is_pct ? pct_range(d, sh.pct, buf, sizeof(buf)) :
		    ns_range(d, sh.ns, buf, sizeof(buf));
		if (why != NULL)
			return bad(o, d, "%s: %s", v, why);
		return OPT_PARSE_OK;
	case OPT_TYPE_ENUM:
		for (k = 0; d->choices[k] != NULL; k++)
			if (strcmp(v, d->choices[k]) == 0) {
				o->i[id] = k;
				return OPT_PARSE_OK;
			}
		fmt_choices(d->choices, buf, sizeof(buf));
		return bad(o, d, "unknown %s \"%s\": expected %s", d->noun, v,
		    buf);
	case OPT_TYPE_TIME:
		if (parse_time(v, &o->t[id], &o->ns[id], &is_time) != 0)
			return bad(o, d, "%s: not an RFC 3339 UTC time "
			    "(2026-01-02T03:04:05Z) or a duration (-48h)", v);
		o->is_time[id] = is_time;
		return OPT_PARSE_OK;
	default:
		return OPT_PARSE_OK;
	}
}

int
opts_parse(struct opts *o, const int *allowed, int interspersed, int argc,
    char **argv)
{
	int		 i = 0, id, npos = 0, bv;
	const char	*a, *name, *eq, *val;
	size_t		 nlen;

	o->i[OPT_LOGLEVEL] = 1;
	if (interspersed) {
		if ((o->argv_own = calloc((size_t)argc + 1,
		    sizeof(*o->argv_own))) == NULL) {
			fprintf(stderr, "out of memory\n");
			return OPT_PARSE_ERROR;
		}
	}
	while (i < argc) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (!interspersed)
				break;
			o->argv_own[npos++] = argv[i++];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		name = a + 1;
		if (*name == '-')
			name++;
		if (*name == '\0' || *name == '-' || *name == '=') {
			fprintf(stderr, "bad flag syntax: %s\n", a);
			return OPT_PARSE_ERROR;
		}
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		i++;
		if ((nlen == 1 && name[0] == 'h') ||
		    (nlen == 4 && strncmp(name, "help", 4) == 0))
			return OPT_PARSE_HELP;
		/* One line, pointing at the command's -h (not its usage). */
		if ((id = opt_lookup(name, nlen, allowed)) < 0) {
			fprintf(stderr, "flag provided but not defined: -%.*s "
			    "(see '%s %s -h')\n", (int)nlen, name, o->prog, o->cmd);
			return OPT_PARSE_BAD;
		}
		if (!opt_allowed(allowed, id)) {
			if (!cfssl_cmd(o->cmd) || !opt_allowed(cfssl_flags, id)) {
				fprintf(stderr, "flag -%s is not used by %s (see "
				    "'%s %s -h')\n", opt_table[id].name, o->cmd,
				    o->prog, o->cmd);
				return OPT_PARSE_BAD;
			}
			/* cfssl ignores it; the value is checked, then skipped. */
			o->ignored[id] = 1;
			if (opt_table[id].type == OPT_TYPE_BOOL) {
				if (eq != NULL && parse_bool(eq + 1, &bv) != 0) {
					fprintf(stderr, "invalid boolean value "
					    "\"%s\" for -%s: parse error\n", eq + 1,
					    opt_table[id].name);
					return OPT_PARSE_ERROR;
				}
			} else if (eq == NULL) {
				if (i >= argc) {
					fprintf(stderr, "flag needs an argument: "
					    "-%s\n", opt_table[id].name);
					return OPT_PARSE_ERROR;
				}
				i++;
			}
			continue;
		}
		if (opt_table[id].type == OPT_TYPE_BOOL) {
			if (eq == NULL)
				o->b[id] = 1;
			else if (parse_bool(eq + 1, &o->b[id]) != 0) {
				fprintf(stderr, "invalid boolean value \"%s\" for "
				    "-%s: parse error\n", eq + 1, opt_table[id].name);
				return OPT_PARSE_ERROR;
			}
			o->set[id] = 1;
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i < argc)
			val = argv[i++];
		else {
			fprintf(stderr, "flag needs an argument: -%s\n",
			    opt_table[id].name);
			return OPT_PARSE_ERROR;
		}
		if (opt_table[id].type == OPT_TYPE_INT &&
		    parse_int(val, &o->i[id]) != 0) {
			fprintf(stderr, "invalid value \"%s\" for flag -%s: "
			    "parse error\n", val, opt_table[id].name);
			return OPT_PARSE_ERROR;
		}
		o->str[id] = val;
		o->set[id] = 1;
		if (typed(o, id, val) != OPT_PARSE_OK)
			return OPT_PARSE_BAD;
	}
	if (interspersed) {
		while (i < argc)
			o->argv_own[npos++] = argv[i++];
		o->args = o->argv_own;
		o->nargs = npos;
		return OPT_PARSE_OK;
	}
	o->args = argv + i;
	o->nargs = argc - i;
	return OPT_PARSE_OK;
}

void
opts_free(struct opts *o)
{
	free(o->argv_own);
	o->argv_own = NULL;
}

void
opts_usage(FILE *f, const char *cmd, const int *allowed)
{
	const struct opt_def	*d;
	char			 buf[1024];
	const char		*help;

	for (; *allowed != OPT_END; allowed++) {
		d = &opt_table[*allowed];
		help = help_flag(cmd, *allowed, buf, sizeof(buf));
		if (d->type == OPT_TYPE_BOOL)
			fprintf(f, "  -%s\n    \t%s\n", d->name, help);
		else
			fprintf(f, "  -%s %s\n    \t%s\n", d->name, d->arg,
			    help);
	}
}

const char *
opts_str(const struct opts *o, enum opt_id id)
{
	if (!o->set[id] || o->str[id] == NULL || o->str[id][0] == '\0')
		return NULL;
	return o->str[id];
}

/* ---- typed accessors ------------------------------------------------- */

/* 1 when flag id was given a non-empty value. */
static int
given(const struct opts *o, enum opt_id id)
{
	return o->set[id] && o->str[id] != NULL && o->str[id][0] != '\0';
}

long
opts_int(const struct opts *o, enum opt_id id, long def)
{
	return o->set[id] ? o->i[id] : def;
}

int
opts_enum(const struct opts *o, enum opt_id id, int def)
{
	return given(o, id) ? (int)o->i[id] : def;
}

int64_t
opts_ns(const struct opts *o, enum opt_id id, int64_t def)
{
	return given(o, id) ? o->ns[id] : def;
}

long
opts_ms(const struct opts *o, enum opt_id id, long def)
{
	return given(o, id) ? (long)(o->ns[id] / NS_MS) : def;
}

int
opts_share(const struct opts *o, enum opt_id id, int *is_pct, double *pct,
    int64_t *ns)
{
	if (!given(o, id))
		return 0;
	*is_pct = o->is_pct[id];
	*pct = o->pct[id];
	*ns = o->ns[id];
	return 1;
}

int
opts_time(const struct opts *o, enum opt_id id, time_t now, time_t *t)
{
	if (!given(o, id))
		return 0;
	*t = o->is_time[id] ? o->t[id] : now + (time_t)(o->ns[id] / NS_SEC);
	return 1;
}

void
opts_renew_policy(const struct opts *o, struct pki_renew_policy *p)
{
	pki_renew_policy_default(p);
	if (given(o, OPT_RENEW_BEFORE)) {
		if (o->is_pct[OPT_RENEW_BEFORE]) {
			p->fraction = o->pct[OPT_RENEW_BEFORE] / 100;
			p->before = 0;
		} else
			p->before = o->ns[OPT_RENEW_BEFORE] / NS_SEC;
	}
	if (given(o, OPT_STAGGER))
		p->stagger = o->pct[OPT_STAGGER] / 100;
}
