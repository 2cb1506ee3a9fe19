/* The Network page keeps its view in the address bar without a page load: replaceState does
   not notify Dash's location component, so the page is not rebuilt (nor the graph remounted). */
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.landscape = Object.assign({}, window.dash_clientside.landscape, {
    syncQuery: function (query) {
        var address = window.location.pathname + (query ? "?" + query : "");
        window.history.replaceState(window.history.state, "", address);
        return query;
    }
});
