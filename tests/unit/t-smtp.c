/*
 * t-smtp.c - the SMTP transport (lib/mail/transport.c) against a real
 * server, tests/smtpd.py, started here on a free loopback port: with
 * PIPELINING on offer and without it.  What arrives is what was sent (the
 * dots at the start of a line doubled on the wire and taken away by the
 * server), refusals come back with the server's reply and leave the
 * session in step for the next message, and a session the server has
 * closed while idle is opened anew.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mail/mail.h"
#include "tap.h"

static int free_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &n) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Start tests/smtpd.py recording into dir, with an idle timeout of one
 * second and opt (or none); its pid, or -1. */
static pid_t start_server(const char *dir, int port, const char *opt)
{
	char ports[16], *ready = xasprintf("%s/ready", dir);
	struct timespec ts = {0, 50 * 1000 * 1000};
	pid_t pid;
	int i;

	snprintf(ports, sizeof ports, "%d", port);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/python3", "python3", "tests/smtpd.py", "--port",
		      ports, "--dir", dir, "--idle-timeout", "1", opt,
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 600; i++) { /* up to 30 s */
		if (access(ready, F_OK) == 0)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (pid > 0 && access(ready, F_OK) != 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	free(ready);
	return pid;
}

static void stop_server(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* The Nth message the server stored, without the X-Test- lines before
 * it (the envelope) */
static char *received(const char *dir, int n)
{
	char *p = xasprintf("%s/msg/%06d.eml", dir, n), *s = NULL, *r;
	size_t len = 0;
	struct pv_err e;

	if (pv_read_file(p, 0, &s, &len, &e) != PV_OK) {
		free(p);
		return xstrdup("(not received)");
	}
	free(p);
	r = s;
	while (strncmp(r, "X-Test-", 7) == 0 && strstr(r, "\r\n"))
		r = strstr(r, "\r\n") + 2;
	r = xstrdup(r);
	free(s);
	return r;
}

static int log_has(const char *dir, const char *line)
{
	char *p = xasprintf("%s/log", dir), *s = NULL, *want;
	size_t len = 0;
	struct pv_err e;
	int r;

	if (pv_read_file(p, 0, &s, &len, &e) != PV_OK) {
		free(p);
		return 0;
	}
	want = xasprintf("%s\n", line);
	r = strstr(s, want) != NULL;
	free(want);
	free(s);
	free(p);
	return r;
}

static const char dots[] =
	".first line starts with a dot\r\n"
	"middle\r\n"
	".\r\n"
	"..two dots\r\n"
	"not . at the start\r\n"
	"the last line without its line end";
static const char dots_arrived[] =
	".first line starts with a dot\r\n"
	"middle\r\n"
	".\r\n"
	"..two dots\r\n"
	"not . at the start\r\n"
	"the last line without its line end\r\n";
static const char plain[] = "Subject: second\r\n\r\nHallo\r\n";

static void session(const char *mode, const char *opt)
{
	char tmpl[] = "/tmp/t-smtp.XXXXXX", *dir = mkdtemp(tmpl), *url, *s;
	char reply[512];
	struct pv_transport *tr = NULL;
	struct pv_cfg *cfg = pv_cfg_new();
	struct pv_err e;
	int port = free_port(), st;
	pid_t pid;

	if (!dir) {
		ok(0, "%s: a scratch directory", mode);
		return;
	}
	pid = start_server(dir, port, opt);
	ok(pid > 0, "%s: tests/smtpd.py is up", mode);
	if (pid <= 0)
		goto out;
	url = xasprintf("smtp://127.0.0.1:%d", port);
	pv_cfg_set(cfg, "smtp.url", url, "test");
	pv_cfg_set(cfg, "smtp.tls", "none", "test");
	pv_cfg_set(cfg, "smtp.timeout", "20", "test");
	free(url);
	st = pv_transport_open(cfg, NULL, &tr, &e);
	is_int(st, PV_OK, "transport opens");
	if (st)
		goto out;

	st = pv_transport_send(tr, "a@salon.example", "kunde@example.org",
			       dots, strlen(dots), reply, sizeof reply, &e);
	is_int(st, PV_OK, "dots: sent");
	ok(strncmp(reply, "250 2.0.0 Ok: queued as 000001", 30) == 0,
	   "%s: dots: the reply is the server's 250 ('%s')", mode, reply);
	s = received(dir, 1);
	is_str(s, dots_arrived, "dots: arrived as sent (a line end added)");
	free(s);

	st = pv_transport_send(tr, "a@salon.example", "reject@example.org",
			       plain, strlen(plain), reply, sizeof reply, &e);
	is_int(st, PV_UNAVAILABLE, "a refused recipient: for good");
	is_str(reply, "550 5.1.1 no such user", "its reply is the RCPT's");
	st = pv_transport_send(tr, "a@salon.example", "tempfail@example.org",
			       plain, strlen(plain), reply, sizeof reply, &e);
	is_int(st, PV_TEMPFAIL, "a deferred recipient: try again");
	is_str(reply, "451 4.7.1 try again later", "its reply is the RCPT's");
	ok(log_has(dir, "RCPT 550") && log_has(dir, "RCPT 451"),
	   "%s: the server saw both", mode);

	st = pv_transport_send(tr, "a@salon.example", "kunde@example.org",
			       plain, strlen(plain), reply, sizeof reply, &e);
	is_int(st, PV_OK, "after the refusals, the session goes on");
	ok(strncmp(reply, "250 2.0.0 Ok: queued as 000002", 30) == 0,
	   "%s: the next message is the server's second ('%s')", mode,
	   reply);
	s = received(dir, 2);
	is_str(s, plain, "it arrived whole");
	free(s);
	s = xasprintf("%s/msg/000003.eml", dir);
	ok(access(s, F_OK) != 0, "%s: nothing else arrived", mode);
	free(s);

	/* An address beyond ASCII: MAIL FROM says SMTPUTF8 (RFC 6531),
	 * which the server offers; without it, it refuses the RCPT. */
	st = pv_transport_send(tr, "a@salon.example", "j\xc3\xb6rg@example.org",
			       plain, strlen(plain), reply, sizeof reply, &e);
	is_int(st, PV_OK, "an address beyond ASCII: sent");
	ok(strncmp(reply, "250 2.0.0 Ok: queued as 000003", 30) == 0,
	   "%s: with SMTPUTF8 ('%s')", mode, reply);
	s = received(dir, 3);
	is_str(s, plain, "it arrived whole");
	free(s);

	/* The server closes the idle session (--idle-timeout 1): the next
	 * message opens a new one.  Wait until the server has closed it. */
	for (int i = 0; i < 300 && !log_has(dir, "TIMEOUT"); i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	ok(log_has(dir, "TIMEOUT"), "%s: the server closed the idle session",
	   mode);
	st = pv_transport_send(tr, "a@salon.example", "kunde@example.org",
			       plain, strlen(plain), reply, sizeof reply, &e);
	is_int(st, PV_OK, "after the server's idle timeout: sent");
	ok(strncmp(reply, "250 2.0.0 Ok: queued as 000004", 30) == 0,
	   "%s: over a new session ('%s')", mode, reply);
out:
	pv_transport_close(tr);
	stop_server(pid);
	pv_cfg_free(cfg);
	s = xasprintf("rm -rf '%s'", dir);
	if (system(s) != 0)
		ok(0, "%s: remove %s", mode, dir);
	free(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	session("PIPELINING", NULL);
	session("without PIPELINING", "--no-pipelining");
	return done_testing();
}
