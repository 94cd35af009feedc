export {
  UI_ASSETS_DIR,
  createUiHandler,
  type UiHandler,
  type UiHandlerOptions,
} from "./server/ui-handler.js";
