#!/usr/bin/env bash
# Make sure Debian's Chromium, the CJK fonts and the other programs tests start are present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# Printed work orders embed a TrueType CJK font (ReportLab cannot embed Noto's CFF outlines).
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# The throttle tests start a throw-away Redis on a loopback port (SHOUWEN_CACHE_URL=redis://…).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# `shouwen backup`/`restore` on PostgreSQL run pg_dump and pg_restore (tests run them too).
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || need+=(postgresql-client)
# deploy/sim/run (a `once` test): haproxy in front, and PostgreSQL's server binaries for its own instance.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
# The e-mail tests start a throw-away dovecot (IMAP) on a loopback port with their own configuration.
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} (Debian packages) for the page tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "The page tests need these Debian packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get install ${need[*]}" >&2
  exit 1
fi
