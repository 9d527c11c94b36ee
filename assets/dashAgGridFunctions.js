/* Functions the Quartalsvergleich grid refers to by name (dash-ag-grid looks them up here). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* Lights sort by severity, as the rules order them: green < grey < yellow < red; a quarter not
   yet reported comes first. The cell text starts with the light's shape. */
var ZC_LIGHT_ORDER = { "●": 1, "○": 2, "▲": 3, "■": 4 };

dagfuncs.zcLightComparator = function (a, b) {
  var ra = (a && ZC_LIGHT_ORDER[a.charAt(0)]) || 0;
  var rb = (b && ZC_LIGHT_ORDER[b.charAt(0)]) || 0;
  return ra - rb;
};
