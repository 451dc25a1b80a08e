"""Posts swimlane's Markdown report as one pull-request comment, edited on
every push: the comment is found by a hidden marker among the pull
request's comments (every page of them), edited when found, created when
not. Standard library only, so it runs on any runner with python3.

    python3 comment.py REPORT.md

Environment: GITHUB_API_URL, GITHUB_REPOSITORY, PR (the pull request's
number), GH_TOKEN (needs `pull-requests: write`), and optionally
SWIMLANE_COMMENT_MARKER (to keep several swimlane comments apart).
"""

import json
import os
import sys
import urllib.error
import urllib.request

LIMIT = 65536


def call(method, url, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        detail = e.read().decode(errors="replace")[:500]
        hint = ""
        if e.code in (403, 404):
            hint = " (the job needs `permissions: pull-requests: write`; pull requests from forks get a read-only token)"
        sys.exit(f"error: {method} {url}: HTTP {e.code}{hint}: {detail}")


def main():
    report = open(sys.argv[1], encoding="utf-8").read()
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo = os.environ["GITHUB_REPOSITORY"]
    pr = os.environ.get("PR", "")
    token = os.environ["GH_TOKEN"]
    if not pr:
        print("comment: not a pull request, nothing to comment on")
        return
    marker = os.environ.get("SWIMLANE_COMMENT_MARKER") or "<!-- swimlane-report -->"
    body = f"{marker}\n{report}"
    if len(body) > LIMIT:
        # swimlane keeps its Markdown under the limit; this guards the marker.
        body = body[: LIMIT - 200] + "\n\n✂️ cut at GitHub's comment limit\n"
    found = None
    page = 1
    while found is None:
        comments = call("GET", f"{api}/repos/{repo}/issues/{pr}/comments?per_page=100&page={page}", token)
        if not comments:
            break
        found = next((c for c in comments if marker in (c.get("body") or "")), None)
        page += 1
    if found:
        call("PATCH", f"{api}/repos/{repo}/issues/comments/{found['id']}", token, {"body": body})
        print(f"comment: updated {found.get('html_url', found['id'])}")
    else:
        made = call("POST", f"{api}/repos/{repo}/issues/{pr}/comments", token, {"body": body})
        print(f"comment: created {made.get('html_url', made.get('id'))}")


if __name__ == "__main__":
    main()
