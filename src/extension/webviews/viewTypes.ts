// Webview view types, kept apart from the panels so activation does not load them.
export const REPORT_VIEW_TYPE = 'pgopt.report';
export const PLAN_VIEW_TYPE = 'pgopt.plan';
/** A page about one table (Analyze Table): not revived after a reload (it is re-run from the tree). */
export const TABLE_REPORT_VIEW_TYPE = 'pgopt.tableReport';
/** The report of one Fleet database (Fleet view): revived after a reload with the report it showed. */
export const FLEET_REPORT_VIEW_TYPE = 'pgopt.fleetReport';
