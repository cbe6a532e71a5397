export { type RandomSource, type WeightedTarget, routePlan, seededRandom } from './route-plan.js';
export { type TrunkRoute, type TrunkRouteFailure, type TrunkRouteResult, TrunkRoutes } from './trunk-routes.js';
