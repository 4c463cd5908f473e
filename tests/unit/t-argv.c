/*
 * t-argv.c: a command given as one flag value split into words
 * (pki_argv_split, pki/argv.c): blanks, both quotes, backslashes, and
 * the refusals; and pki_b64_encode, which cfssljson -stdout prints the
 * OCSP response with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "../tap.h"

/* The words of text joined by "|", or "E:<code>:<text>" on an error. */
static const char *
split(const char *text)
{
	static char		 buf[1024];
	struct pki_error	 err;
	char			**v = NULL;
	size_t			 n = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_argv_split(text, &v, &n, &err)) != PKI_OK) {
		snprintf(buf, sizeof(buf), "E:%d:%s", r, err.text);
		return buf;
	}
	tap_join(v, n, "|", buf, sizeof(buf));
	if (v[n] != NULL)
		snprintf(buf, sizeof(buf), "not NULL-terminated");
	pki_strv_free(v, n);
	return buf;
}

static void
test_split(void)
{
	char	want[128];

	is_str(split("systemctl restart etcd"), "systemctl|restart|etcd",
	    "blanks separate words");
	is_str(split("  a\t\tb\n c  "), "a|b|c", "runs of blanks, tabs and "
	    "newlines; leading and trailing ones");
	is_str(split("echo 'a  b' \"c d\""), "echo|a  b|c d", "both quotes "
	    "keep blanks");
	is_str(split("echo 'a\\b$HOME'"), "echo|a\\b$HOME", "single quotes: "
	    "literal, nothing expanded");
	is_str(split("echo \"x\\\"y\\\\z\\n\""), "echo|x\"y\\z\\n",
	    "double quotes: \\\" and \\\\ escape, other backslashes stay");
	is_str(split("a\\ b c\\'d"), "a b|c'd", "outside quotes a backslash "
	    "escapes the next character");
	is_str(split("x'y'\"z\""), "xyz", "quoted parts join one word");
	is_str(split("''"), "", "an empty quoted word is a word");
	snprintf(want, sizeof(want), "E:%d:the command is empty", PKI_ERR_ARG);
	is_str(split(" \t "), want, "blanks only: empty");
	is_str(split(""), want, "nothing: empty");
	snprintf(want, sizeof(want), "E:%d:unterminated ' quote",
	    PKI_ERR_INPUT);
	is_str(split("echo 'a"), want, "an unterminated single quote");
	snprintf(want, sizeof(want), "E:%d:unterminated \" quote",
	    PKI_ERR_INPUT);
	is_str(split("echo \"a\\\""), want, "an unterminated double quote "
	    "(its last quote escaped)");
	snprintf(want, sizeof(want), "E:%d:a backslash ends the command",
	    PKI_ERR_INPUT);
	is_str(split("echo a\\"), want, "a backslash at the end");
}

static void
test_b64(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
		const char	*what;
	} t[] = {
		{ "", 0, "", "nothing" },
		{ "\x00\xff", 2, "AP8=", "one pad" },
		{ "f", 1, "Zg==", "two pads" },
		{ "foobar\xfb\xff", 8, "Zm9vYmFy+/8=", "the standard alphabet "
		    "(+ and /)" },
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = pki_b64_encode(t[i].in, t[i].len);
		is_str(s, t[i].out, "base64: %s", t[i].what);
		free(s);
	}
}

/* A hook's environment (pki_env_new). */
static void
test_env(void)
{
	char	**env;

	env = pki_env_new("A", "1", "B", (const char *)NULL, "C", "x=y",
	    (char *)NULL);
	ok(env != NULL && strcmp(env[0], "A=1") == 0 &&
	    strcmp(env[1], "B=") == 0 && strcmp(env[2], "C=x=y") == 0 &&
	    env[3] == NULL, "env: NAME=VALUE each, a NULL value empty, "
	    "NULL-terminated");
	pki_env_free(env);
	env = pki_env_new(NULL, (char *)NULL);
	ok(env != NULL && env[0] == NULL, "env: empty");
	pki_env_free(env);
	pki_env_free(NULL);
}

int
main(void)
{
	plan(17 + 2);
	test_split();
	test_env();
	test_b64();
	return done_testing();
}
