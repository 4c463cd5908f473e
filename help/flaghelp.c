/*
 * flaghelp.c: each flag's help text as it applies to the command asked
 * about.  opt_table (cmd/opts.c) has one text per flag, shared by every
 * command that takes it, and some of those texts say which commands they
 * concern: "renew: ...", "cluster init and issue: ...", "renew: X;
 * rollback: Y", "renew -rekey: ...".  help_flag() keeps the clause that
 * names the command and drops the name; where a shared text does not fit
 * a command, the table below has the command's own.
 */
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "../cmd/cmd.h"
#include "help.h"

struct flag_help {
	const char	*cmd;	/* NULL: every command without its own */
	int		 id;
	const char	*text;
};

static const struct flag_help flag_help[] = {
	{ "gencert", OPT_O, "write NAME.pem, NAME-key.pem and NAME.csr instead of printing JSON" },
	{ "genkey", OPT_O, "write NAME-key.pem and NAME.csr (and NAME.pem with -initca) instead of printing JSON" },
	{ "gencsr", OPT_O, "write the CSR to NAME.csr instead of printing JSON (the key exists already)" },
	{ "sign", OPT_O, "write the certificate to NAME.pem instead of printing JSON" },
	{ "selfsign", OPT_O, "write NAME.pem, NAME-key.pem and NAME.csr instead of printing JSON" },
	{ "cluster init", OPT_O, "write the description to the file NAME (mode 0644, atomically) instead of standard output" },
	{ "cluster issue", OPT_O, "the output directory, created if needed (required)" },
	{ "cluster export", OPT_O, "write the archive to the file NAME (mode 0600, atomically) and list the host paths it holds; default or -: standard output (not a terminal)" },
	{ "cluster export", OPT_MEMBER, "the member or client whose files to pack (required)" },
	{ "ca renew", OPT_O, "write the renewed certificate to NAME.pem instead of replacing -ca; change nothing else" },
	{ "renew", OPT_NO_SYNC, "do not fsync (for throw-away fixtures); every switch is still atomic" },
	{ "rollback", OPT_NO_SYNC, "do not fsync (for throw-away fixtures); the switch is still atomic" },
	{ "renew", OPT_RESTART, "how the members pick up the new files: none (the default; files only; etcd re-reads leaf certificates on each handshake, with a kept key, but trust bundles only at start; not with -rekey) or rolling (one member at a time through etcd's lock, with health gates and automatic rollback)" },
	{ "ca rotate", OPT_RESTART, "how the members pick up the new files: rolling (the default: one member at a time through etcd's lock, with health gates and automatic rollback) or none (files only; etcd reads trust bundles only at start)" },
	{ "rollback", OPT_RESTART_CMD, "command that restarts the member after the switch (argv, no shell; $ETCD_PKI_MEMBER names it)" },
	{ "ca rotate", OPT_QUIET, "print the phase's results and warnings only, without details and steps" },
	{ "ca rotate", OPT_TIMEOUT, "how long each TLS probe of a member may take (default 5s)" },
	{ "ca rotate", OPT_STOP_CMD, "command that stops a member before the switch, instead of -restart-cmd (argv, no shell)" },
	{ "ca rotate", OPT_START_CMD, "command that starts a member after the switch, instead of -restart-cmd (argv, no shell)" },
	{ "renew", OPT_STRICT, "make every warning of the strictness policy an error (the set is left as it was, exit 3): unknown or repeated JSON keys, values RFC 5280 does not allow, a profile expiry under 10 times the backdate, a leaf outliving its CA, ..." },
	{ "ca rotate", OPT_STRICT, "make a warning of the strictness policy about the new CA (-phase add-trust: exit 1, nothing written) or a leaf it re-signs (-phase reissue: that leaf is left as it was, exit 3) an error" },
	{ NULL, OPT_STRICT, "make every warning of the strictness policy an error (exit 1, nothing written): unknown or repeated JSON keys, values RFC 5280 does not allow, unknown usages, hosts that look like IP addresses, flags the command does not use, a leaf outliving its CA, ..." },
};

/* Whether s (n bytes) is the name of a command of cmd_table. */
static int
is_cmd_word(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strlen(cmd_table[i]->name) == n &&
		    strncmp(cmd_table[i]->name, s, n) == 0)
			return 1;
	return 0;
}

/* Whether s (n bytes) is a word of a command's name ("init" too). */
static int
is_name_word(const char *s, size_t n)
{
	const struct cmd_group	*g;
	const char		*w;
	size_t			 i, j;

	if (is_cmd_word(s, n))
		return 1;
	for (i = 0; (g = cmd_groups[i]) != NULL; i++)
		for (j = 0; g->table[j] != NULL; j++) {
			w = g->table[j]->name + strlen(g->name) + 1;
			if (strlen(w) == n && strncmp(w, s, n) == 0)
				return 1;
		}
	return 0;
}

/*
 * The length of the subject of clause p ("renew, ca rotate" of "renew, ca
 * rotate: how ..."): text up to ": " made of commands' names, "and" and
 * commas, then maybe flags ("revoke -db-config"); 0 if p has none.
 */
static size_t
subject_len(const char *p)
{
	size_t	n = strcspn(p, ":;(."), i, w;

	if (p[n] != ':' || p[n + 1] != ' ' || !is_cmd_word(p, strcspn(p,
	    " ,:")))
		return 0;
	for (i = 0; i < n && p[i] != '-'; ) {
		w = strcspn(p + i, " ,:");
		if (!is_name_word(p + i, w) && (w != 3 ||
		    strncmp(p + i, "and", 3) != 0))
			return 0;
		for (i += w; i < n && (p[i] == ',' || p[i] == ' '); i++)
			;
	}
	return n;
}

/*
 * Whether subject s (n bytes) names cmd: its items are separated by ", "
 * or " and "; an item is a command's name ("cluster issue", or "issue"
 * after "cluster init") and maybe flags ("revoke -db-config").  Sets
 * *q, *ql to those flags of cmd's item.
 */
static int
subject_names(const char *s, size_t n, const char *cmd, const char **q,
    size_t *ql)
{
	char		 item[128];
	const char	*p = s, *end = s + n, *next, *fl, *g = NULL, *a;
	size_t		 k, glen = 0;

	for (;;) {
		next = p + strcspn(p, ",");
		if ((a = strstr(p, " and ")) != NULL && a < next)
			next = a;
		if (next > end)
			next = end;
		/* Its flags start at " -". */
		for (fl = p; fl + 1 < next && (fl[0] != ' ' || fl[1] != '-');
		    fl++)
			;
		fl = fl + 1 < next ? fl + 1 : NULL;
		k = fl != NULL ? (size_t)(fl - p) - 1 : (size_t)(next - p);
		/* "issue" after "cluster init": the same group's. */
		if (memchr(p, ' ', k) != NULL) {
			g = p;
			glen = strcspn(p, " ");
			snprintf(item, sizeof(item), "%.*s", (int)k, p);
		} else if (!is_cmd_word(p, k) && g != NULL)
			snprintf(item, sizeof(item), "%.*s %.*s", (int)glen, g,
			    (int)k, p);
		else
			snprintf(item, sizeof(item), "%.*s", (int)k, p);
		if (strcmp(item, cmd) == 0) {
			*q = fl;
			*ql = fl != NULL ? (size_t)(next - fl) : 0;
			return 1;
		}
		if (next >= end)
			return 0;
		p = next + (*next == ',' ? 2 : 5);
	}
}

const char *
help_flag(const char *cmd, int id, char *buf, size_t size)
{
	const char	*t = opt_table[id].help, *p, *end, *q;
	size_t		 i, sl, ql;

	for (i = 0; i < sizeof(flag_help) / sizeof(flag_help[0]); i++)
		if (flag_help[i].id == id && flag_help[i].cmd != NULL &&
		    strcmp(flag_help[i].cmd, cmd) == 0)
			return flag_help[i].text;
	for (i = 0; i < sizeof(flag_help) / sizeof(flag_help[0]); i++)
		if (flag_help[i].id == id && flag_help[i].cmd == NULL)
			return flag_help[i].text;
	for (p = t; subject_len(p) > 0; p = end + 2) {
		sl = subject_len(p);
		/* The clause ends at a "; " that starts another. */
		for (end = strstr(p, "; "); end != NULL &&
		    subject_len(end + 2) == 0; end = strstr(end + 2, "; "))
			;
		if (end == NULL)
			end = p + strlen(p);
		if (subject_names(p, sl, cmd, &q, &ql)) {
			p += sl + 2;
			if (ql > 0)
				snprintf(buf, size, "with %.*s: %.*s", (int)ql,
				    q, (int)(end - p), p);
			else
				snprintf(buf, size, "%.*s", (int)(end - p), p);
			return buf;
		}
		if (*end == '\0')
			break;
	}
	/* Another command's text shows as it is: t-help.sh tells. */
	return t;
}
