package names

// The contract between the Go loader and its JavaScript half: every name
// one side writes and the other reads. Go uses these constants; the
// JavaScript writes each as its placeholder in Boundary, which the build
// fills (and fails on one it cannot fill), so a rename is made here once
// and cannot break in the browser only.

// The loader's API, the object the Go program hands BootHook.
const (
	APIRender               = "render"               // render(props): a notebook widget
	APIEmbed                = "embed"                // embed(props): a Viewer of a web page
	APIStats                = "stats"                // stats(): what the runtime holds
	APISetMaxRunningViewers = "setMaxRunningViewers" // setMaxRunningViewers(n?): the page's budget
)

// The props of render and embed.
const (
	PropModel               = "model"               // anywidget's model (render)
	PropEl                  = "el"                  // the element the Viewer lives in
	PropSignal              = "signal"              // aborts when the widget goes
	PropViewerURL           = "viewerURL"           // where the Viewer is ("": inlined)
	PropLoadViewer          = "loadViewer"          // loadViewer(url, signal) in esm/early.js
	PropCreateGlue          = "createGlue"          // the Viewer's glue factory
	PropViewerVersion       = "viewerVersion"       // the Viewer's version
	PropGlueInitTakesObject = "glueInitTakesObject" // whether glue init takes {module_or_path}
	PropEarly               = "early"               // the early download, or null
	PropRelayMessage        = "relayMessage"        // makes msg:custom listeners (render)
	PropTraits              = "traits"              // the initial traits (embed)
	PropOptions             = "options"             // more WebHandle options (embed)
	PropOnEvent             = "onEvent"             // onEvent(content) (embed)
	PropOnFailure           = "onFailure"           // onFailure(title, detail) (embed)
	PropOnHandle            = "onHandle"            // onHandle(handle or null) (embed)
)

// What the JavaScript hands the Go side about a Viewer download.
const (
	EarlyResponse = "response" // the early download: its loadViewer promise
	EarlyAbort    = "abort"    // and its abort()
	LoadResponse  = "response" // loadViewer's result: the Response
	LoadCounter   = "counter"  // the count of its body, or null
	LoadModule    = "module"   // its compile
	CountReceived = "received" // the count: bytes so far
	CountDone     = "done"     // whether the body ended
)

// The controller embed returns.
const (
	ControllerSet  = "set"  // set(trait, value)
	ControllerPost = "post" // post(content, bytes, byteLength, problem)
)

// The synced traits of rerun-notebook's widget, which WebViewer sets too.
const (
	TraitWidth         = "_width"
	TraitHeight        = "_height"
	TraitURL           = "_url"
	TraitPanelStates   = "_panel_states"
	TraitTheme         = "_theme"
	TraitFallbackToken = "_fallback_token"
)

// Traits are the traits a widget follows.
var Traits = []string{TraitWidth, TraitHeight, TraitURL, TraitPanelStates, TraitTheme, TraitFallbackToken}

// Boundary maps each placeholder of the JavaScript to its name.
var Boundary = [][2]string{
	{"__API_RENDER__", APIRender},
	{"__API_EMBED__", APIEmbed},
	{"__API_STATS__", APIStats},
	{"__API_SET_MAX_RUNNING_VIEWERS__", APISetMaxRunningViewers},
	{"__PROP_MODEL__", PropModel},
	{"__PROP_EL__", PropEl},
	{"__PROP_SIGNAL__", PropSignal},
	{"__PROP_VIEWER_URL__", PropViewerURL},
	{"__PROP_LOAD_VIEWER__", PropLoadViewer},
	{"__PROP_CREATE_GLUE__", PropCreateGlue},
	{"__PROP_VIEWER_VERSION__", PropViewerVersion},
	{"__PROP_GLUE_INIT_TAKES_OBJECT__", PropGlueInitTakesObject},
	{"__PROP_EARLY__", PropEarly},
	{"__PROP_RELAY_MESSAGE__", PropRelayMessage},
	{"__PROP_TRAITS__", PropTraits},
	{"__PROP_OPTIONS__", PropOptions},
	{"__PROP_ON_EVENT__", PropOnEvent},
	{"__PROP_ON_FAILURE__", PropOnFailure},
	{"__PROP_ON_HANDLE__", PropOnHandle},
	{"__EARLY_RESPONSE__", EarlyResponse},
	{"__EARLY_ABORT__", EarlyAbort},
	{"__LOAD_RESPONSE__", LoadResponse},
	{"__LOAD_COUNTER__", LoadCounter},
	{"__LOAD_MODULE__", LoadModule},
	{"__COUNT_RECEIVED__", CountReceived},
	{"__COUNT_DONE__", CountDone},
	{"__CONTROLLER_SET__", ControllerSet},
	{"__CONTROLLER_POST__", ControllerPost},
	{"__TRAIT_WIDTH__", TraitWidth},
	{"__TRAIT_HEIGHT__", TraitHeight},
	{"__TRAIT_URL__", TraitURL},
	{"__TRAIT_PANEL_STATES__", TraitPanelStates},
	{"__TRAIT_THEME__", TraitTheme},
	{"__TRAIT_FALLBACK_TOKEN__", TraitFallbackToken},
}
