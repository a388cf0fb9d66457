"""What the API and the web pages share: the wired application as a route
dependency, the HTTP status of each domain error, and the SLA clock as shown.
Neither door imports the other; both import this."""
