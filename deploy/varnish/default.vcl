# Varnish 7 in front of Broadsheet's app servers (Debian's `varnish` package).
#
#   varnishd -a :80 -f /path/to/deploy/varnish/default.vcl -p vcl_path=/etc/varnish:/path/to/deploy/varnish
#
# with FRONTEND_CACHE_BACKEND=http and FRONTEND_CACHE_LOCATION=http://<this Varnish> on the app
# servers and workers. `backends.vcl` (copy backends.vcl.example to a folder on vcl_path) names
# the app servers and who may purge.
#
# Varnish keeps what the site says shared caches may keep (`Cache-Control: public` with
# `s-maxage`: anonymous readers' pages, static files) and nothing else. A PURGE from the site
# (Wagtail's frontend cache, sent by the task worker when a post is published or commented on)
# drops every copy of that address: each scheme, each query string (a listing's other pages).
vcl 4.1;

import directors;

probe healthz {
    .url = "/healthz";
    .interval = 2s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
}

sub vcl_init {
    new app = directors.round_robin();
}

include "backends.vcl";

sub vcl_recv {
    set req.backend_hint = app.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed."));
        }
        ban("obj.http.x-host == " + req.http.host + " && obj.http.x-path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged."));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|comments|documents)/") {
        return (pass);
    }
    # Editors (a session) and readers with a message waiting get their own page.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # The plain-HTTP address answers with a redirect to HTTPS: keep the two apart.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # What a PURGE names a copy by: its host and its path without the query string.
    set beresp.http.x-host = bereq.http.host;
    set beresp.http.x-path = regsub(bereq.url, "\?.*$", "");
    if (beresp.http.Cache-Control !~ "public") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    unset resp.http.x-host;
    unset resp.http.x-path;
}
