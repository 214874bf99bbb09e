package monitor

import (
	"embed"
	"net/http"
)

// page is the monitor page: plain HTML, CSS and JavaScript with no build
// step and nothing fetched from elsewhere, so it works on an isolated
// network and is served from the binary as written.
//
//go:embed page
var page embed.FS

// servePage answers GET / with the page; its script and style sheet are
// under /page/.
func servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, page, "page/index.html")
}
