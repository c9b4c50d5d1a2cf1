"""The web console: one page at `/console` and the modules and styles it loads, all served by the
app itself under a Content-Security-Policy that allows only its own scripts and styles."""
