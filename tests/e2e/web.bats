#!/usr/bin/env bats
# The web dashboard's files as nginx serves them under /ui/: over the same mutual TLS, with a
# strict Content-Security-Policy, nosniff and the right types; nginx's errors still the API's
# JSON there. The page itself is tested in a browser by make browser-test (tests/browser/).

load helpers

setup_file() {
	start_stack
}

teardown_file() {
	stop_stack
}

@test "/ui/ serves the page with a strict Content-Security-Policy and nosniff" {
	api user1 GET /ui/
	[ "$HTTP" = 200 ]
	[[ "$(header Content-Type)" == "text/html; charset=utf-8" ]]
	csp=$(header Content-Security-Policy)
	[[ "$csp" == *"default-src 'none'"* && "$csp" == *"script-src 'self'"* ]]
	[[ "$csp" == *"style-src 'self'"* && "$csp" == *"connect-src 'self'"* ]]
	[[ "$csp" == *"frame-ancestors 'none'"* && "$csp" != *unsafe* ]]
	[ "$(header X-Content-Type-Options)" = nosniff ]
	grep -q '<script type="module" src="app.js"></script>' <<<"$BODY"
	# No inline script or style in the page.
	! grep -Eq '<script>|<style|style=| on[a-z]+=' <<<"$BODY"
}

@test "each of web/'s files is served with its type, and the same headers" {
	for f in "$REPO"/web/*; do
		name=$(basename "$f")
		api user2 GET "/ui/$name"
		[ "$HTTP" = 200 ] || { echo "$name: $HTTP"; false; }
		case $name in
		*.js) want='text/javascript; charset=utf-8' ;;
		*.css) want='text/css; charset=utf-8' ;;
		*.html) want='text/html; charset=utf-8' ;;
		*.svg) want='image/svg+xml; charset=utf-8' ;;
		*.png) want=image/png ;;
		esac
		[ "$(header Content-Type)" = "$want" ] || { echo "$name: $(header Content-Type)"; false; }
		[ "$(header X-Content-Type-Options)" = nosniff ]
		[ -n "$(header Content-Security-Policy)" ]
		cmp -s "$f" "$BODY_FILE"
	done
}

@test "/ui goes to /ui/; a file that is not there is the API's JSON 404; no certificate, no page" {
	api admin GET /ui
	[ "$HTTP" = 301 ]
	[ "$(header Location)" = /ui/ ]
	api user1 GET /ui/nothing.js
	[ "$HTTP" = 404 ]
	[ "$(header Content-Type)" = application/json ]
	[ "$(error_code)" = not_found ]
	api user1 GET /ui/../certs/user1.key
	[ "$HTTP" != 200 ]
	run curl -sS --cacert "$CERTS/ca.crt" "https://localhost:$PORT/ui/"
	[[ "$output" == *'"code":"bad_certificate"'* ]]
	[[ "$output" != *"<html"* ]]
}

@test "make install puts web/ where the installed site serves it from" {
	d=$BATS_TEST_TMPDIR/root
	make -C "$REPO" -s install DESTDIR="$d" PREFIX=/usr >/dev/null
	for f in "$REPO"/web/*; do
		cmp "$f" "$d/usr/share/jobworker/web/$(basename "$f")"
	done
	cmp "$REPO/nginx/web.conf" "$d/usr/share/jobworker/web.conf"
	grep -q 'alias /usr/share/jobworker/web/;' "$d/usr/share/jobworker/nginx-site.conf"
	grep -q 'include /usr/share/jobworker/web.conf;' "$d/usr/share/jobworker/nginx-site.conf"
}
