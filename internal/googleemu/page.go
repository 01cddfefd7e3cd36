package googleemu

import "net/http"

func (e *Emulator) pageRoutes(m *http.ServeMux) {}
