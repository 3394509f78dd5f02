// One plan as the plan view receives it. Kept free of `vscode` so the render bench can build the same
// messages outside the host.
import { planToText, type PlanAnalysis } from '../../core/explain/planAnalysis';
import type { PlanSide } from '../../shared/protocol';

export function side(title: string, analysis: PlanAnalysis, raw: unknown): PlanSide {
  return { title, analysis, rawJson: JSON.stringify(typeof raw === 'string' ? JSON.parse(raw) : raw, null, 2), text: planToText(analysis) };
}
