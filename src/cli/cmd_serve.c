/* samskap serve: the web pages and the JSON API. */
#include "cli.h"

#include "samskap/server.h"
#include "samskap/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads one token from stdin and prints its SHA-256, for a tokens file. */
static int hash_token(void)
{
	char line[1024];
	if (!fgets(line, sizeof line, stdin))
		return sk_error_set(SK_EUSAGE, "serve --hash-token: give the token on standard input");
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line)
		return sk_error_set(SK_EUSAGE, "serve --hash-token: the token is empty");
	char hash[65];
	sk_server_token_hash(hash, line);
	printf("%s\n", hash);
	return 0;
}

static int parse_uint(unsigned long long *out, const char *s, unsigned long long max,
	const char *opt)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v > max)
		return sk_cli_usage(&sk_cmd_serve, "%s: '%s' is not a number from 0 to %llu",
			opt, s, max);
	*out = v;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "tokens", required_argument, NULL, 'k' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "hash-token", no_argument, NULL, 'H' },
		{ "sync-every", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	sk_server_opts opts;
	memset(&opts, 0, sizeof opts);
	int c, rc = 0;
	unsigned long long v;
	char *tokens_default = NULL;
	sk_server *srv = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': opts.bind = optarg; break;
		case 'p':
			if ((rc = parse_uint(&v, optarg, 65535, "--port")) < 0)
				return rc;
			opts.port = v == 0 ? -1 : (int)v;
			break;
		case 't':
			if ((rc = parse_uint(&v, optarg, 256, "--threads")) < 0)
				return rc;
			opts.threads = (unsigned)v;
			break;
		case 'k': opts.tokens_file = optarg; break;
		case 'm':
			if ((rc = parse_uint(&v, optarg, 1024ULL * 1024 * 1024, "--max-body")) < 0)
				return rc;
			if (v == 0)
				return sk_cli_usage(&sk_cmd_serve, "--max-body must be at least 1");
			opts.max_body = (size_t)v;
			break;
		case 'T':
			if ((rc = parse_uint(&v, optarg, 3600, "--timeout")) < 0)
				return rc;
			opts.timeout = (unsigned)v;
			break;
		case 'S':
			if ((rc = parse_uint(&v, optarg, 86400, "--sync-every")) < 0)
				return rc;
			opts.sync_every = (unsigned)v;
			break;
		case 'H': return hash_token();
		default:
			return sk_cli_usage(&sk_cmd_serve, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_serve, "takes at most one folder");
	opts.kb_path = optind < argc ? argv[optind] : ".";
	if (!opts.tokens_file) {
		tokens_default = sk_path_join(opts.kb_path, ".samskap/tokens");
		if (sk_path_exists(tokens_default))
			opts.tokens_file = tokens_default;
	}

	/* Block the stop signals before MHD starts its threads, so they inherit
	 * the mask and this thread alone receives them through sigwait. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = sk_server_start(&srv, &opts);
	if (rc < 0)
		goto done;
	printf("samskap serve: %s\n", sk_server_url(srv));
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "samskap serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
done:
	sk_server_free(srv);
	free(tokens_default);
	return rc;
}

const sk_command sk_cmd_serve = {
	"serve", cmd_serve, "Serve web pages and the JSON API",
	"usage: samskap serve [options] [FOLDER]\n"
	"\n"
	"Serves the knowledge base in FOLDER (default: the current folder or the\n"
	"nearest one above holding samskap.json): HTML pages in Norwegian, and a\n"
	"JSON API under /api/ (described at /api/openapi.json). Prints its address\n"
	"and runs until SIGINT or SIGTERM.\n"
	"\n"
	"options:\n"
	"  --bind ADDR       address to listen on (default 127.0.0.1; use 0.0.0.0\n"
	"                    or :: only behind a TLS proxy)\n"
	"  --port N          port (default 8080; 0 picks a free one)\n"
	"  --threads N       worker threads (default 4)\n"
	"  --tokens FILE     members allowed to write, one 'Name <email> : SHA256'\n"
	"                    line each (default FOLDER/.samskap/tokens when present;\n"
	"                    refused when group or others may read it)\n"
	"  --max-body BYTES  largest request body (default 1048576)\n"
	"  --timeout SECS    drop a connection idle this long (default 30)\n"
	"  --sync-every SECS fetch, merge and push with the remote 'origin' this often\n"
	"                    (the author of merges: $SAMSKAP_AUTHOR or git config)\n"
	"  --hash-token      read a token on standard input, print its SHA-256, exit\n"
	"\n"
	"Create members with 'samskap token add \"Name <email>\"'."
};
