// Webview view types, kept apart from the panels so activation does not load them.
export const REPORT_VIEW_TYPE = 'pgopt.report';
export const PLAN_VIEW_TYPE = 'pgopt.plan';
