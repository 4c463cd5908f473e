/*
 * main.c: etcd-pki's entry point.  Invoked as "cfssljson" it is the json
 * command, as "cfssl-certinfo" or "cfssl-bundle" (cfssl's stand-alone
 * programs) certinfo or bundle; as "cfssl" or "etcd-pki" it dispatches on
 * the first argument.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"

int
main(int argc, char **argv)
{
	const struct cmd_entry	*ce;
	const struct cmd_alias	*a;
	struct pki_error	 err;
	struct rlimit		 nocore = { 0, 0 };
	char			*prog;

	/* Private keys pass through this process: no core file of it. */
	(void)setrlimit(RLIMIT_CORE, &nocore);
	(void)prctl(PR_SET_DUMPABLE, 0);
#ifdef M_ARENA_MAX
	/*
	 * One malloc arena for every thread unless the environment says
	 * otherwise: a worker's own arena kept 0.6 MiB more resident at the
	 * peak of cluster issue -members 1000, and sharing one costs
	 * nothing measurable (bench/README.md).
	 */
	if (getenv("MALLOC_ARENA_MAX") == NULL &&
	    getenv("GLIBC_TUNABLES") == NULL)
		(void)mallopt(M_ARENA_MAX, 1);
#endif
	if (argc < 1 || argv[0] == NULL)
		return CMD_RETURN_ERROR;
	prog = argv[0];
	if (strrchr(prog, '/') != NULL)
		prog = strrchr(prog, '/') + 1;
	argv[0] = prog;

	/* OpenSSL's configuration file only when the user names one. */
	memset(&err, 0, sizeof(err));
	if (pki_crypto_init(getenv("OPENSSL_CONF") != NULL, &err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err.text);
		return CMD_RETURN_ERROR;
	}

	for (a = cmd_aliases; a->prog != NULL; a++)
		if (strcmp(prog, a->prog) == 0)
			return cmd_run(a->entry, argc - 1, argv + 1);

	if (argc < 2) {
		fprintf(stderr, "No command is given.\n");
		cmd_list(stderr, prog);
		return CMD_RETURN_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "-help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		cmd_list(stdout, prog);
		return CMD_RETURN_NORMAL;
	}
	if (strcmp(argv[1], "-version") == 0 ||
	    strcmp(argv[1], "--version") == 0)
		return cmd_run(&cmd_version_entry, 0, argv + 1);
	if ((ce = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "Command %s is not defined.\n", argv[1]);
		cmd_list(stderr, prog);
		return CMD_RETURN_ERROR;
	}
	/* argv[1] becomes argv[-1] of the command: the program name. */
	argv[1] = prog;
	return cmd_run(ce, argc - 2, argv + 2);
}
