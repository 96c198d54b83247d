/* t-rec.c - unit tests of lib/rec.c: record readers and writers. */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec.h"

/* CSV names the likely encoding of bytes that are not UTF-8 (issue 20) */
#define HINT_1252 ": looks like windows-1252 (try --encoding " \
	"windows-1252, or --encoding iso-8859-1)"
#include "tap.h"

static char tmpdir[] = "/tmp/t-rec.XXXXXX";

/*
 * Everything a reader returns, as text: one line per call,
 * "LINE k=v k=v" for a record (~ for null) or "!STATUS message".
 */
static char *drain(struct pv_input *in)
{
	struct pv_buf b = { 0 };
	struct pv_rec r = { 0 };
	struct pv_err e;
	int rc, guard = 0;

	while ((rc = pv_input_next(in, &r, &e)) != 0 && guard++ < 1000) {
		if (rc < 0) {
			pv_buf_addf(&b, "!%d %s\n", e.status, e.msg);
			continue;
		}
		pv_buf_addf(&b, "%ld", r.line);
		for (size_t i = 0; i < r.n; i++)
			pv_buf_addf(&b, " %s=%s", r.keys[i],
				    r.vals[i] ? r.vals[i] : "~");
		pv_buf_addc(&b, '\n');
	}
	pv_rec_free(&r);
	return pv_buf_detach(&b);
}

static char *readn(const char *text, size_t len, enum pv_fmt fmt)
{
	struct pv_input *in = pv_input_mem("t", text, len, fmt);
	char *s = drain(in);

	pv_input_close(in);
	return s;
}

static void check_read(const char *text, enum pv_fmt fmt, const char *want,
		       const char *name)
{
	char *got = readn(text, strlen(text), fmt);

	is_str(got, want, name);
	free(got);
}

#define R(text, want, name) check_read(text, PV_FMT_AUTO, want, name)

/* ---- writer helpers: write into memory ---- */

static char *wbuf;
static size_t wlen;
static FILE *wf;

static struct pv_writer *wopen(enum pv_fmt fmt, int flags)
{
	wf = open_memstream(&wbuf, &wlen);
	return pv_writer_new(wf, fmt, flags);
}

static char *wclose(struct pv_writer *w)
{
	struct pv_err e = { 0 };

	ok(pv_writer_finish(w, &e) == 0, "writer finishes cleanly");
	fclose(wf);
	return wbuf;
}

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

/* ---- tests ---- */

static void test_fmt_parse(void)
{
	enum pv_fmt f = PV_FMT_CSV;

	ok(pv_fmt_parse("ndjson", 0, &f) == 0 && f == PV_FMT_NDJSON, "ndjson");
	ok(pv_fmt_parse("json", 0, &f) == 0 && f == PV_FMT_JSON, "json");
	ok(pv_fmt_parse("csv", 0, &f) == 0 && f == PV_FMT_CSV, "csv");
	ok(pv_fmt_parse("auto", 0, &f) != 0, "auto refused unless allowed");
	ok(pv_fmt_parse("auto", 1, &f) == 0 && f == PV_FMT_AUTO, "auto");
	ok(pv_fmt_parse("JSON", 1, &f) != 0, "case matters");
	ok(pv_fmt_parse("xml", 1, &f) != 0, "unknown format");
	ok(pv_fmt_parse("", 1, &f) != 0, "empty format");
	ok(pv_fmt_parse(NULL, 1, &f) != 0, "no format");
}

static void test_rec_access(void)
{
	struct pv_input *in;
	struct pv_rec r = { 0 };
	struct pv_err e;
	const char *t = "{\"a\":\"x\",\"e\":\"\",\"n\":null}\n";

	in = pv_input_mem("mem", t, strlen(t), PV_FMT_AUTO);
	is_int(pv_input_next(in, &r, &e), 1, "a record");
	is_str(r.file, "mem", "record names its file");
	is_str(pv_rec_get(&r, "a"), "x", "get");
	is_str(pv_rec_get(&r, "e"), "", "get empty");
	is_str(pv_rec_val(&r, "e"), NULL, "val: empty counts as absent");
	is_str(pv_rec_get(&r, "n"), NULL, "get null");
	is_str(pv_rec_get(&r, "zz"), NULL, "get absent");
	ok(pv_rec_has(&r, "n") && !pv_rec_has(&r, "zz"), "has");
	is_int(pv_input_next(in, &r, &e), 0, "end");
	is_int((long long)r.n, 0, "record cleared at the end");
	pv_input_close(in);
	pv_rec_free(&r);
}

static void test_detect(void)
{
	R("{\"a\":\"1\"}\n", "1 a=1\n", "ndjson detected");
	R("[{\"a\":\"1\"}]\n", "1 a=1\n", "json array detected");
	R("a\n1\n", "2 a=1\n", "csv detected");
	R("\xef\xbb\xbf{\"a\":1}\n", "1 a=1\n", "BOM before ndjson");
	R("\xef\xbb\xbf[{\"a\":1}]", "1 a=1\n", "BOM before json");
	R("\xef\xbb\xbf" "a,b\n1,2\n", "2 a=1 b=2\n", "BOM before csv header");
	R("\n\n  \n{\"a\":1}\n", "4 a=1\n", "blank lines before ndjson");
	R("\r\n\r\n[\n{\"a\":1}]", "4 a=1\n", "blank lines before json");
	R("\n\nname\nx\n", "4 name=x\n", "blank lines before csv");
	R("", "", "empty input");
	R("\xef\xbb\xbf", "", "only a BOM");
	R(" \n\t\r\n", "", "only white space");
	check_read("{\"a\":1}\n", PV_FMT_CSV, "!65 t:1: misplaced quote\n",
		   "forced csv on ndjson");
	check_read("a\n1\n", PV_FMT_NDJSON, "!65 t:1: column 1: invalid token\n"
		   "!65 t:2: not a json object\n", "forced ndjson on csv");
	check_read("{\"a\":1}\n", PV_FMT_JSON,
		   "!65 t:1: expected a json array\n", "forced json on ndjson");
}

static void test_ndjson(void)
{
	R("{\"s\":\"x\",\"i\":42,\"neg\":-7,\"r\":1.50,\"e\":1e3,\"t\":true,"
	  "\"f\":false,\"n\":null,\"o\":{ \"a\" : [1, 2.0, \"x y\"] },"
	  "\"a\":[],\"big\":123456789012345678901234567890}\n",
	  "1 s=x i=42 neg=-7 r=1.50 e=1e3 t=true f=false n=~ "
	  "o={\"a\":[1,2.0,\"x y\"]} a=[] big=123456789012345678901234567890\n",
	  "ndjson value types: numbers as written, nested compact");
	R("{\"z\":1,\"a\":2,\"m\":3,\"b\":4,\"y\":5,\"c\":6}\n",
	  "1 z=1 a=2 m=3 b=4 y=5 c=6\n", "keys keep input order");
	R("{\"u\":\"\\u00fc\\u00df \\ud83d\\ude00\",\"q\":\"a\\\"b\\\\c\\/\"}\n",
	  "1 u=\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80 q=a\"b\\c/\n",
	  "escapes decoded");
	R("{\"a\":1}\r\n\r\n{\"a\":2}\r\n\n   \n{\"a\":3}",
	  "1 a=1\n3 a=2\n6 a=3\n", "CRLF, blank lines, no final newline");
	R("{}\n", "1\n", "empty object");
	R("{\"a\":1}\n{bad\n[1]\n\"s\"\n{\"a\":2}\n",
	  "1 a=1\n!65 t:2: column 4: string or '}' expected\n"
	  "!65 t:3: not a json object\n"
	  "!65 t:4: not a json object\n5 a=2\n", "bad lines, then go on");
	R("{\"email\":\"a@b.de\",\"email\":\"c@d.de\"}\n{\"a\":1}\n",
	  "!65 t:1: email: duplicate key\n2 a=1\n", "duplicate key");
	R("{\"o\":{\"k\":1,\"k\":2}}\n", "!65 t:1: k: duplicate key\n",
	  "duplicate key nested");
	R("{\"a\":1\n{\"a\":2}\n", "!65 t:1: unexpected end of json\n2 a=2\n",
	  "truncated line, then go on");
	R("{\"a\":\"x\\u0000y\"}\n", "!65 t:1: column 15: NUL character\n",
	  "NUL in a string");
	R("{\"a\":1e999}\n", "!65 t:1: column 10: number out of range\n",
	  "number overflow");
	R("{\"a\":1} {\"b\":2}\n", "!65 t:1: column 9: more after the end of the value\n",
	  "two objects on a line");
}

static void test_ndjson_secrets(void)
{
	char *got;
	const char *t = "{\"id\":1,\"email\":\"secret\xff@x.de\"}\n"
			"{\"id\":2,\"name\":\"Secret Person\" \"x\"}\n"
			"{\"id\":3,\"name\":tSecretWord}\n"
			"{\"id\":4,\"n\":\"\\uZZZZ secret\"}\n"
			"{\"id\":5}\n";

	got = readn(t, strlen(t), PV_FMT_AUTO);
	is_str(got, "!65 t:1: email: invalid UTF-8\n"
	       "!65 t:2: column 34: '}' expected\n"
	       "!65 t:3: column 26: invalid token\n"
	       "!65 t:4: column 16: invalid escape\n5 id=5\n",
	       "bad values reported with the field only");
	ok(!strstr(got, "ecret") && !strstr(got, "x.de"),
	   "no value in the messages");
	free(got);
	R("{\"a\xff\":\"v\"}\n", "!65 t:1: invalid UTF-8\n",
	  "invalid UTF-8 in a key: no field");
	R("{\"o\":{\"k\":\"\xc3\"}}\n", "!65 t:1: o: invalid UTF-8\n",
	  "invalid UTF-8 in a nested value");
	R("{\"a\":\"\xed\xa0\x80\"}\n", "!65 t:1: a: invalid UTF-8\n",
	  "surrogate in UTF-8");
	R("{\"a\":\"\xc0\xaf\"}\n", "!65 t:1: a: invalid UTF-8\n",
	  "overlong UTF-8");
	R("{\"a\\nb\":\"x\",\"a\\nb\":\"y\"}\n", "!65 t:1: duplicate key\n",
	  "a key that would garble the message is left out");
}

static void test_ndjson_pretty(void)
{
	R("{\n  \"a\": 1,\n  \"b\": {\n    \"c\": \"}{\"\n  }\n}\n"
	  "{\"x\":1}\n{\n  \"y\": [\n    1\n  ]\n}\n",
	  "1 a=1 b={\"c\":\"}{\"}\n7 x=1\n8 y=[1]\n",
	  "pretty objects as -f json writes them");
	R("{\"x\":1}\n{\n  \"a\": 1,\n", "1 x=1\n!65 t:2: unexpected end of input\n",
	  "unterminated pretty object");
	R("{\n  \"a\": 1,,\n}\n{\"b\":2}\n", "!65 t:2: column 10: string or '}' expected\n"
	  "4 b=2\n", "bad pretty object, then go on");
}

static void test_json_array(void)
{
	R("[\n  {\"a\": 1},\n  {\"b\": [1, {\"c\": \"]\"}], \"d\": {\"e\": null}},"
	  "\n  {\n    \"f\": \"x,y\"\n  }\n]\n",
	  "2 a=1\n3 b=[1,{\"c\":\"]\"}] d={\"e\":null}\n4 f=x,y\n",
	  "json array with nested values and line numbers");
	R("[]", "", "empty array");
	R("[ ]\n[{\"a\":1}]\n[{\"a\":2},{\"a\":3}]", "2 a=1\n3 a=2\n3 a=3\n",
	  "arrays one after the other");
	R("[{\"a\":1}, 5, {\"a\":tru}, \"s\", {\"a\":2}, {\"k\":1,\"k\":2},"
	  " {\"a\":3}]",
	  "1 a=1\n!65 t:1: not a json object\n!65 t:1: invalid token\n"
	  "!65 t:1: not a json object\n1 a=2\n!65 t:1: k: duplicate key\n"
	  "1 a=3\n", "bad elements, then go on");
	R("[{\"a\":1},]", "1 a=1\n!65 t:1: empty array element\n",
	  "trailing comma");
	R("[{\"a\":1},,{\"a\":2}]",
	  "1 a=1\n!65 t:1: empty array element\n1 a=2\n", "empty element");
	R("[{\"a\":1}, {\"b\":\n", "1 a=1\n!65 t:1: unexpected end of input\n",
	  "unterminated array: the rest of the file is lost");
	R("[{\"a\":1}", "1 a=1\n!65 t:1: unexpected end of input\n",
	  "array not closed");
	R("[{\"a\":1}, {]}, {\"a\":2}]", "1 a=1\n!65 t:1: unbalanced brackets\n",
	  "unbalanced brackets end the file");
	R("[{\"a\":\"[{\\\"\"}]", "1 a=[{\"\n",
	  "brackets and quotes in strings");
	R("[{\"a\":1}] x", "1 a=1\n!65 t:1: data after the json array\n",
	  "data after the array");
	R("[{\"a\":\"\xff secret\"}, {\"a\":2}]",
	  "!65 t:1: a: invalid UTF-8\n1 a=2\n", "invalid UTF-8 in an element");
}

static void test_csv(void)
{
	R("name,email\nAnn,a@x.de\nBob,b@x.de\n",
	  "2 name=Ann email=a@x.de\n3 name=Bob email=b@x.de\n", "csv with LF");
	R("name,email\r\nAnn,a@x.de\r\nBob,b@x.de\r\n",
	  "2 name=Ann email=a@x.de\n3 name=Bob email=b@x.de\n", "csv with CRLF");
	R("a,b\n1,2", "2 a=1 b=2\n", "no final newline");
	R("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n",
	  "2 a=x,y b=say \"hi\"\n", "quoted commas and doubled quotes");
	R("a,b\n\"line 1\nline 2\",x\n\"3\r\n4\",y\nlast,z\n",
	  "2 a=line 1\nline 2 b=x\n4 a=3\r\n4 b=y\n6 a=last b=z\n",
	  "quoted newlines kept; line numbers after them");
	R("a,b\n,\n\"\",x\n", "2 a= b=\n3 a= b=x\n", "empty cells are \"\"");
	R(" a , b\t\n x , y \n", "2 a= x  b= y \n",
	  "header trimmed, cells keep their spaces");
	R("a,b\n1,2\n\n\r\n\n3,4\n\n\n", "2 a=1 b=2\n6 a=3 b=4\n",
	  "blank lines skipped");
	R("a\n\"\"\n", "2 a=\n", "one column, empty quoted cell");
	R("a,b\n1,2\n", "2 a=1 b=2\n", "plain");
	R("a,b\n1\n1,2,3\n4,5\n",
	  "!65 t:2: row has 1 fields, header has 2\n"
	  "!65 t:3: row has 3 fields, header has 2\n4 a=4 b=5\n",
	  "wrong field counts, then go on");
	R("a,b,a\n1,2,3\n", "!65 t:1: a: duplicate column\n",
	  "duplicate column");
	R("a, b ,b\n1,2,3\n", "!65 t:1: b: duplicate column\n",
	  "duplicate column after trimming");
	R("a,,c\n1,2,3\n", "!65 t:1: column 2: empty column name\n",
	  "empty column name");
	R("a,\xff\n1,2\n", "!65 t:1: column 2: invalid UTF-8"
	  HINT_1252 "\n",
	  "invalid UTF-8 in the header");
	R("id,name\n1,J\xc3\xbcrgen\n2,Secret\xc3\n3,x\n",
	  "2 id=1 name=J\xc3\xbcrgen\n!65 t:3: name: invalid UTF-8" HINT_1252
	  "\n4 id=3 name=x\n",
	  "invalid UTF-8 in a cell, then go on");
	R("a,b\n1,\"x\ny\xff\"\n2,z\n", "!65 t:2: b: invalid UTF-8" HINT_1252
	  "\n4 a=2 b=z\n",
	  "bad multi-line cell: the line where the row starts");
	R("a,b\n1,\"open\n2,x\n", "!65 t:2: unterminated quoted cell\n",
	  "unterminated quote at the end");
	R("a,b\n1,2\n3,x\"y\n5,6\n",
	  "2 a=1 b=2\n!65 t:3: misplaced quote\n", "quote in an unquoted cell");
	R("a,b\n1,\"x\"y\n5,6\n", "!65 t:2: misplaced quote\n",
	  "text after a closing quote");
	R("a\n\n", "", "header only");
	check_read("a\n1\n", PV_FMT_CSV, "2 a=1\n", "forced csv");
}

static void test_csv_secrets(void)
{
	const char *t = "id,email\n1,\"secret\xfe@x.de\"\n2,b\n";
	char *got = readn(t, strlen(t), PV_FMT_AUTO);

	ok(strstr(got, "t:2: email: invalid UTF-8") != NULL, "csv UTF-8 error");
	ok(!strstr(got, "secret") && !strstr(got, "x.de"),
	   "no value in a csv message");
	free(got);
	got = readn("a,b\n1,x\0y\n", 10, PV_FMT_AUTO);
	is_str(got, "!65 t:2: b: NUL character\n", "NUL byte in a cell");
	free(got);
}

static void test_record_too_long(void)
{
	size_t n = 17u << 20;
	char *big = xmalloc(n + 64);
	char *got;
	size_t k;

	/* one NDJSON line over the limit, then a good one */
	memcpy(big, "{\"a\":\"", 6);
	memset(big + 6, 'x', n);
	k = n + 6;
	memcpy(big + k, "\"}\n{\"b\":1}\n", 11);
	got = readn(big, k + 11, PV_FMT_AUTO);
	is_str(got, "!65 t:1: record too long\n2 b=1\n",
	       "ndjson: record too long, then go on");
	free(got);

	/* an unterminated CSV quote must not take the whole input */
	memcpy(big, "a\n\"", 3);
	memset(big + 3, 'y', n);
	got = readn(big, n + 3, PV_FMT_AUTO);
	is_str(got, "!65 t:2: record too long\n", "csv: record too long");
	free(got);
	free(big);
}

static void test_files(void)
{
	char *a = write_file("a.ndjson", "{\"n\":1}\n{\"n\":2}\n");
	char *b = write_file("b.csv", "\xef\xbb\xbfn,m\r\n3,x\r\n");
	char *c = write_file("c.json", "[{\"n\":4}]\n");
	char *bad = write_file("d.json", "[{\"n\":5}, {]\n");
	char *missing = xasprintf("%s/missing", tmpdir);
	char *files[] = { a, missing, b, bad, c };
	struct pv_input *in = pv_input_open(5, files, PV_FMT_AUTO);
	struct pv_rec r = { 0 };
	struct pv_err e;
	char want[512];

	is_int(pv_input_next(in, &r, &e), 1, "file 1 record 1");
	is_str(r.file, a, "file name in the record");
	is_int(pv_input_next(in, &r, &e), 1, "file 1 record 2");
	is_int(pv_input_next(in, &r, &e), -1, "missing file");
	is_int(e.status, PV_NOINPUT, "missing file: PV_NOINPUT");
	snprintf(want, sizeof want,
		 "cannot open '%s': No such file or directory", missing);
	is_str(e.msg, want, "missing file message");
	is_int(pv_input_next(in, &r, &e), 1, "then the next file");
	is_str(r.file, b, "csv file name");
	is_str(pv_rec_get(&r, "m"), "x", "csv value");
	is_int(r.line, 2, "csv line");
	is_int(pv_input_next(in, &r, &e), 1, "broken file: first record");
	is_int(pv_input_next(in, &r, &e), -1, "broken file: error");
	snprintf(want, sizeof want, "%s:1: unbalanced brackets", bad);
	is_str(e.msg, want, "error names the file");
	is_int(pv_input_next(in, &r, &e), 1, "then the last file");
	is_str(pv_rec_get(&r, "n"), "4", "last file value");
	is_int(pv_input_next(in, &r, &e), 0, "end of all input");
	is_int(pv_input_next(in, &r, &e), 0, "and it stays at the end");
	pv_input_close(in);

	/* CSV and NDJSON mixed, forced format applies to every file */
	in = pv_input_open(1, files + 2, PV_FMT_CSV);
	is_int(pv_input_next(in, &r, &e), 1, "forced csv file");
	pv_input_close(in);

	pv_rec_free(&r);
	free(a), free(b), free(c), free(bad), free(missing);
}

static void test_stdin(void)
{
	char *p = write_file("stdin.csv", "x\n1\n");
	int saved = dup(0), fd = open(p, O_RDONLY);
	char *dash[] = { "-" };
	struct pv_input *in;
	struct pv_rec r = { 0 };
	struct pv_err e;

	dup2(fd, 0);
	close(fd);
	in = pv_input_open(0, NULL, PV_FMT_AUTO);
	is_int(pv_input_next(in, &r, &e), 1, "no operands: stdin");
	is_str(r.file, "stdin", "stdin is named stdin");
	is_int(pv_input_next(in, &r, &e), 0, "stdin ends");
	pv_input_close(in);

	fd = open(p, O_RDONLY);
	dup2(fd, 0);
	close(fd);
	in = pv_input_open(1, dash, PV_FMT_AUTO);
	is_int(pv_input_next(in, &r, &e), 1, "- is stdin");
	is_str(r.file, "stdin", "- is named stdin");
	pv_input_close(in);

	dup2(saved, 0);
	close(saved);
	pv_rec_free(&r);
	free(p);
}

static void test_dir_read_error(void)
{
	char *files[] = { tmpdir };
	struct pv_input *in = pv_input_open(1, files, PV_FMT_AUTO);
	struct pv_rec r = { 0 };
	struct pv_err e;

	is_int(pv_input_next(in, &r, &e), -1, "a directory cannot be read");
	is_int(e.status, PV_IOERR, "read error: PV_IOERR");
	is_int(pv_input_next(in, &r, &e), 0, "then the end");
	pv_input_close(in);
	pv_rec_free(&r);
}

static void test_streaming(void)
{
	char *path = xasprintf("%s/long.ndjson", tmpdir);
	FILE *f = fopen(path, "w");
	const long n = 200000;
	char *files[] = { path };
	struct pv_input *in;
	struct pv_rec r = { 0 };
	struct pv_err e;
	long count = 0, bad = 0, last = 0;
	size_t before = 0, peak = 0;

	for (long i = 1; i <= n; i++)
		fprintf(f, "{\"id\":%ld,\"name\":\"customer %ld\","
			"\"note\":\"%060ld\"}\n", i, i, i);
	fclose(f);
	in = pv_input_open(1, files, PV_FMT_AUTO);
	before = mallinfo2().uordblks;
	while (pv_input_next(in, &r, &e) == 1) {
		count++;
		if (r.line != count || atol(pv_rec_get(&r, "id")) != count)
			bad++;
		last = r.line;
		if (count % 1000 == 0 && mallinfo2().uordblks > peak)
			peak = mallinfo2().uordblks;
	}
	is_int(count, n, "200000 records streamed");
	is_int(bad, 0, "every record in order with its line");
	is_int(last, n, "last line number");
	/* the file is about 20 MB; what we hold must not grow with it */
	ok(peak < before + (1u << 20), "memory stays flat (%zu bytes more)",
	   peak > before ? peak - before : 0);
	pv_input_close(in);
	pv_rec_free(&r);
	unlink(path);
	free(path);
}

static void write_sample(struct pv_writer *w)
{
	pv_w_begin(w);
	pv_w_str(w, "s", "x\"y\\z\n\t\r\b\f\x01\x1f");
	pv_w_int(w, "i", -5);
	pv_w_bool(w, "t", 1);
	pv_w_null(w, "n");
	pv_w_obj(w, "o");
	pv_w_str(w, "u", "J\xc3\xbcrgen \xf0\x9f\x98\x80");
	pv_w_arr(w, "a");
	pv_w_int(w, NULL, 1);
	pv_w_obj(w, NULL);
	pv_w_close(w);
	pv_w_arr(w, NULL);
	pv_w_close(w);
	pv_w_close(w);
	pv_w_close(w);
	pv_w_raw(w, "r", "{ \"k\" : [1, 2.50, {}], \"e\": []}");
	pv_w_end(w);
	pv_w_begin(w);
	pv_w_strn(w, "b", "ab\xff" "c", 4);
	pv_w_end(w);
}

static void test_write_ndjson(void)
{
	struct pv_writer *w = wopen(PV_FMT_NDJSON, 0);
	char *s;

	write_sample(w);
	is_int(pv_writer_count(w), 2, "two records written");
	s = wclose(w);
	is_str(s, "{\"s\":\"x\\\"y\\\\z\\n\\t\\r\\b\\f\\u0001\\u001f\",\"i\":-5,"
	       "\"t\":true,\"n\":null,\"o\":{\"u\":\"J\xc3\xbcrgen "
	       "\xf0\x9f\x98\x80\",\"a\":[1,{},[]]},"
	       "\"r\":{\"k\":[1,2.50,{}],\"e\":[]}}\n"
	       "{\"b\":\"ab\\ufffdc\"}\n", "ndjson byte-exact");
	free(s);

	w = wopen(PV_FMT_AUTO, 0);
	pv_w_begin(w);
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "{}\n", "auto writes ndjson; empty record");
	free(s);

	w = wopen(PV_FMT_NDJSON, 0);
	s = wclose(w);
	is_str(s, "", "no records: nothing");
	free(s);
}

static void test_write_json(void)
{
	struct pv_writer *w = wopen(PV_FMT_JSON, 0);
	char *s;

	write_sample(w);
	s = wclose(w);
	is_str(s, "[\n"
	       "  {\n"
	       "    \"s\": \"x\\\"y\\\\z\\n\\t\\r\\b\\f\\u0001\\u001f\",\n"
	       "    \"i\": -5,\n"
	       "    \"t\": true,\n"
	       "    \"n\": null,\n"
	       "    \"o\": {\n"
	       "      \"u\": \"J\xc3\xbcrgen \xf0\x9f\x98\x80\",\n"
	       "      \"a\": [\n"
	       "        1,\n"
	       "        {},\n"
	       "        []\n"
	       "      ]\n"
	       "    },\n"
	       "    \"r\": {\n"
	       "      \"k\": [\n"
	       "        1,\n"
	       "        2.50,\n"
	       "        {}\n"
	       "      ],\n"
	       "      \"e\": []\n"
	       "    }\n"
	       "  },\n"
	       "  {\n"
	       "    \"b\": \"ab\\ufffdc\"\n"
	       "  }\n"
	       "]\n", "json list byte-exact");
	free(s);

	w = wopen(PV_FMT_JSON, 0);
	s = wclose(w);
	is_str(s, "[]\n", "empty json list");
	free(s);

	w = wopen(PV_FMT_JSON, 0);
	pv_w_begin(w);
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "[\n  {}\n]\n", "json list of one empty record");
	free(s);

	w = wopen(PV_FMT_JSON, PV_W_SINGLE);
	pv_w_begin(w);
	pv_w_str(w, "a", "b");
	pv_w_arr(w, "l");
	pv_w_str(w, NULL, "c");
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "{\n  \"a\": \"b\",\n  \"l\": [\n    \"c\"\n  ]\n}\n",
	       "single document; end closes what is open");
	free(s);
}

static void test_write_csv(void)
{
	struct pv_writer *w = wopen(PV_FMT_CSV, 0);
	char *s;

	pv_w_begin(w);
	pv_w_str(w, "id", "1");
	pv_w_str(w, "name", "Ann");
	pv_w_str(w, "note", "a,b \"c\"\nd");
	pv_w_null(w, "n");
	pv_w_end(w);
	pv_w_begin(w); /* other order, one missing, one extra */
	pv_w_str(w, "note", " lead");
	pv_w_str(w, "extra", "ignored");
	pv_w_int(w, "id", 2);
	pv_w_str(w, "n", "");
	pv_w_end(w);
	pv_w_begin(w);
	pv_w_bool(w, "id", 0);
	pv_w_obj(w, "name");
	pv_w_str(w, "k", "v,w");
	pv_w_arr(w, "l");
	pv_w_int(w, NULL, 1);
	pv_w_close(w);
	pv_w_close(w);
	pv_w_raw(w, "note", "[1, \"x\"]");
	pv_w_end(w);
	s = wclose(w);
	/* a key the first record lacks is a column too (issue 17 item 5) */
	is_str(s, "id,name,note,n,extra\r\n"
	       "1,Ann,\"a,b \"\"c\"\"\nd\",,\r\n"
	       "2,,\" lead\",,ignored\r\n"
	       "false,\"{\"\"k\"\":\"\"v,w\"\",\"\"l\"\":[1]}\",\"[1,\"\"x\"\"]\",,\r\n",
	       "csv byte-exact: header of every key, matching by key, nested "
	       "as json");
	free(s);

	w = wopen(PV_FMT_CSV, 0);
	pv_w_begin(w);
	pv_w_str(w, "a", "=1+2");
	pv_w_str(w, "b", "+x");
	pv_w_str(w, "c", "-5");
	pv_w_str(w, "d", "@SUM(A1)");
	pv_w_str(w, "e", "\tx");
	pv_w_str(w, "f", "\rx");
	pv_w_str(w, "g", "\xef\xbc\x9d" "1");
	pv_w_str(w, "h", "\xef\xbc\x8b" "1");
	pv_w_str(w, "i", "\xef\xbc\x8d" "1");
	pv_w_str(w, "j", "\xef\xbc\xa0" "x");
	pv_w_int(w, "k", -5);
	pv_w_str(w, "l", "a=b");
	pv_w_str(w, "m", "=a,b");
	pv_w_str(w, "n", "\xef\xbc\x91");
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "a,b,c,d,e,f,g,h,i,j,k,l,m,n\r\n"
	       "'=1+2,'+x,'-5,'@SUM(A1),\"'\tx\",\"'\rx\","
	       "'\xef\xbc\x9d" "1,'\xef\xbc\x8b" "1,'\xef\xbc\x8d" "1,"
	       "'\xef\xbc\xa0" "x,-5,a=b,\"'=a,b\",\xef\xbc\x91\r\n",
	       "formula neutralisation, full-width forms, integers left alone");
	free(s);

	/* a spreadsheet that splits at ';' (German) or tab starts a cell
	 * inside ours: quoted, and neutralised after the separator too */
	w = wopen(PV_FMT_CSV, 0);
	pv_w_begin(w);
	pv_w_str(w, "a", "Anna;=1+1;");
	pv_w_str(w, "b", "x;\"=cmd|' /C calc'!A0\"");
	pv_w_str(w, "c", "a\t@SUM(1)");
	pv_w_str(w, "d", "p; -3");
	pv_w_str(w, "e", "a;b");
	pv_w_int(w, "f", -3500);
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "a,b,c,d,e,f\r\n"
	       "\"Anna;'=1+1;\",\"x;\"\"'=cmd|' /C calc'!A0\"\"\","
	       "\"a\t'@SUM(1)\",\"p; '-3\",\"a;b\",-3500\r\n",
	       "';' and tab quoted; a formula after a separator neutralised");
	free(s);

	w = wopen(PV_FMT_CSV, 0);
	pv_w_begin(w);
	pv_w_end(w);
	pv_w_begin(w);
	pv_w_str(w, "x", "1");
	pv_w_str(w, "x", "2");
	pv_w_end(w);
	s = wclose(w);
	is_str(s, "x\r\n1\r\n", "empty first record; duplicate keys");
	free(s);

	w = wopen(PV_FMT_CSV, 0);
	s = wclose(w);
	is_str(s, "", "csv without records: nothing");
	free(s);
}

static void test_helpers(void)
{
	struct pv_buf b = { 0 };

	ok(pv_csv_is_formula("=", 1), "= is a formula");
	ok(!pv_csv_is_formula("", 0), "empty is not");
	ok(!pv_csv_is_formula("a=", 2), "= later is not");
	ok(!pv_csv_is_formula("\xef\xbc", 2), "truncated full-width is not");
	pv_csv_cell(&b, "plain", 5, 1);
	pv_buf_addc(&b, '|');
	pv_csv_cell(&b, "trail ", 6, 1);
	pv_buf_addc(&b, '|');
	pv_csv_cell(&b, "=x", 2, 0);
	pv_buf_addc(&b, '|');
	pv_csv_cell(&b, "", 0, 1);
	is_str(b.s, "plain|\"trail \"|=x|", "pv_csv_cell");
	pv_buf_reset(&b);
	pv_json_quote(&b, "a\0b", 3);
	pv_json_quote(&b, NULL, 0);
	pv_json_quote(&b, "\x7f\xc3", 2);
	is_str(b.s, "\"a\\u0000b\"\"\"\"\x7f\\ufffd\"", "pv_json_quote");
	/* every byte alone, after a run and before one: the run is copied
	 * whole, the byte as JSON wants it */
	int bad = -1;
	char want[16];

	for (int c = 0; c < 256 && bad < 0; c++) {
		char in[] = {'a', 'b', (char)c, 'c'};

		if (c == '"' || c == '\\')
			snprintf(want, sizeof want, "\"ab\\%cc\"", c);
		else if (c == '\n')
			snprintf(want, sizeof want, "\"ab\\nc\"");
		else if (c == '\r')
			snprintf(want, sizeof want, "\"ab\\rc\"");
		else if (c == '\t')
			snprintf(want, sizeof want, "\"ab\\tc\"");
		else if (c == '\b')
			snprintf(want, sizeof want, "\"ab\\bc\"");
		else if (c == '\f')
			snprintf(want, sizeof want, "\"ab\\fc\"");
		else if (c < 0x20)
			snprintf(want, sizeof want, "\"ab\\u%04xc\"", c);
		else if (c >= 0x80)
			snprintf(want, sizeof want, "\"ab\\ufffdc\"");
		else
			snprintf(want, sizeof want, "\"ab%cc\"", c);
		pv_buf_reset(&b);
		pv_json_quote(&b, in, sizeof in);
		if (strcmp(b.s, want) != 0)
			bad = c;
	}
	ok(bad < 0, "pv_json_quote: each of the 256 bytes (first wrong: %d)",
	   bad);
	if (bad >= 0)
		is_str(b.s, want, "pv_json_quote: the first wrong byte");
	pv_buf_reset(&b);
	pv_json_quote(&b, "ab\xc3\xbc", 4);
	pv_json_quote(&b, "\xf0\x9f\x8e\x89\"", 5);
	is_str(b.s, "\"ab\xc3\xbc\"\"\xf0\x9f\x8e\x89\\\"\"",
	       "pv_json_quote: UTF-8 at the end and before an escape");
	pv_buf_free(&b);
}

static const char *awkward[] = {
	"plain", "", " spaces ", "com,ma", "quote \"q\" \"\"", "\"",
	"line\nbreak", "crlf\r\nin cell", "\r", "\n\n",
	"M\xc3\xbcller \xc3\x9f\xc3\xa4\xc3\xb6", "emoji \xf0\x9f\x8e\x89\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
	"tab\tin", "trailing,\n", "\\back\\slash", "{\"json\":1}",
	"=HYPERLINK(\"x\")", "-1", "\xef\xbc\xa0x",
};
#define NAWK (sizeof awkward / sizeof awkward[0])

static void round_trip(enum pv_fmt fmt, const char *name)
{
	struct pv_writer *w = wopen(fmt, 0);
	struct pv_input *in;
	struct pv_rec r = { 0 };
	struct pv_err e;
	char key[16];
	char *s;
	size_t same = 0, rows = 0;

	for (size_t i = 0; i < NAWK; i++) {
		pv_w_begin(w);
		pv_w_int(w, "row", (long long)i);
		for (size_t k = 0; k < NAWK; k++) {
			snprintf(key, sizeof key, "k%zu", k);
			pv_w_str(w, key, awkward[(i + k) % NAWK]);
		}
		pv_w_end(w);
	}
	s = wclose(w);
	in = pv_input_mem("rt", s, wlen, PV_FMT_AUTO);
	while (pv_input_next(in, &r, &e) == 1) {
		size_t i = rows++;

		for (size_t k = 0; k < NAWK; k++) {
			const char *v, *want;

			snprintf(key, sizeof key, "k%zu", k);
			v = pv_rec_get(&r, key);
			want = awkward[(i + k) % NAWK];
			/* the one change CSV makes on purpose */
			if (fmt == PV_FMT_CSV) {
				struct pv_buf nb = { 0 };

				pv_csv_neutralise(&nb, want, strlen(want));
				same += v && strcmp(v, nb.s ? nb.s : "") == 0;
				pv_buf_free(&nb);
				continue;
			}
			same += v && strcmp(v, want) == 0;
		}
	}
	is_int((long long)rows, NAWK, name);
	is_int((long long)same, NAWK * NAWK, "every value comes back the same");
	pv_input_close(in);
	pv_rec_free(&r);
	free(s);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");
	struct pv_writer *w;
	struct pv_err e = { 0 };

	if (!f) {
		ok(1, "# skip no /dev/full");
		return;
	}
	w = pv_writer_new(f, PV_FMT_NDJSON, 0);
	pv_w_begin(w);
	pv_w_str(w, "a", "b");
	pv_w_end(w);
	is_int(pv_writer_finish(w, &e), PV_IOERR, "write to /dev/full fails");
	is_int(e.status, PV_IOERR, "status PV_IOERR");
	is_str(e.msg, "write error: No space left on device", "message");
	fclose(f);

	f = fopen("/dev/full", "w");
	setvbuf(f, NULL, _IONBF, 0);
	w = pv_writer_new(f, PV_FMT_JSON, 0);
	for (int i = 0; i < 3; i++) {
		pv_w_begin(w);
		pv_w_int(w, "i", i);
		pv_w_end(w);
	}
	is_int(pv_writer_finish(w, &e), PV_IOERR, "unbuffered write fails too");
	fclose(f);
	is_int(pv_writer_finish(NULL, &e), 0, "finish(NULL) is a no-op");
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_fmt_parse();
	test_rec_access();
	test_detect();
	test_ndjson();
	test_ndjson_secrets();
	test_ndjson_pretty();
	test_json_array();
	test_csv();
	test_csv_secrets();
	test_record_too_long();
	test_files();
	test_stdin();
	test_dir_read_error();
	test_streaming();
	test_write_ndjson();
	test_write_json();
	test_write_csv();
	test_helpers();
	round_trip(PV_FMT_CSV, "csv round trip");
	round_trip(PV_FMT_NDJSON, "ndjson round trip");
	round_trip(PV_FMT_JSON, "json round trip");
	test_write_error();

	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		ok(0, "remove %s", tmpdir);
	free(cmd);
	return done_testing();
}
