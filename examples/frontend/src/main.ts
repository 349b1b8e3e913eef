/**
 * The page: look a package up, show its carrier's tracking link, set its shipment. Settings come from
 * the page's address: `?gateway=http://127.0.0.1:4000/graphql&key=<API key>`.
 */
import { GatewayError, type GatewayOptions } from "./gateway.js";
import { loadPackage, statusLabel } from "./package-card.js";
import { loadPackages } from "./package-list.js";
import { type ShipmentOutcome, updateShipment } from "./update-shipment.js";

const params = new URLSearchParams(location.search);
const gateway: GatewayOptions = {
  endpoint: params.get("gateway") ?? "http://127.0.0.1:4000/graphql",
  apiKey: params.get("key") ?? undefined,
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no #${id}`);
  return found as T;
}

const packageForm = element<HTMLFormElement>("package-form");
const shipmentForm = element<HTMLFormElement>("shipment-form");
const card = element<HTMLElement>("package");
const outcomeView = element<HTMLElement>("outcome");

function field(form: HTMLFormElement, name: string): string {
  return String(new FormData(form).get(name) ?? "").trim();
}

function showLink(into: HTMLElement, text: string, href: string | null): void {
  if (href === null) {
    into.append(text);
    return;
  }
  const link = document.createElement("a");
  link.href = href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  link.textContent = text;
  into.append(link);
}

async function showPackage(id: string): Promise<void> {
  card.replaceChildren();
  const found = await loadPackage(gateway, id);
  if (found === null) {
    card.textContent = `No package ${id}.`;
    return;
  }
  card.dataset.status = found.status;
  card.append(`Package ${found.id}: ${statusLabel(found)}. `);
  const shipment = found.shipment;
  if (shipment?.trackingNumber) {
    card.append(`${shipment.cargoCompany?.name ?? "Unknown carrier"}, tracking number `);
    showLink(card, shipment.trackingNumber, shipment.trackingUrl);
  } else {
    card.append("No shipment yet.");
  }
}

function showOutcome(outcome: ShipmentOutcome): void {
  outcomeView.replaceChildren();
  outcomeView.dataset.kind = outcome.kind;
  switch (outcome.kind) {
    case "updated":
      outcomeView.append(`Shipment set: ${outcome.carrier ?? "unknown carrier"}, `);
      showLink(outcomeView, outcome.trackingNumber ?? "", outcome.trackingUrl);
      return;
    case "invalid":
      outcomeView.textContent = Object.entries(outcome.fields)
        .map(([name, message]) => `${name}: ${message}`)
        .join("; ");
      return;
    case "rejected":
      outcomeView.textContent = `${outcome.message} (${outcome.code})`;
      return;
  }
}

function showFailure(view: HTMLElement, error: unknown): void {
  view.dataset.kind = "failed";
  if (error instanceof GatewayError) {
    const advice = error.outcomeUnknown ? "read the package before trying again" : "try again";
    view.textContent = `${error.code}: ${error.message} (${advice}; request ${error.requestId ?? "unknown"})`;
  } else {
    view.textContent = `The gateway could not be reached: ${String(error)}`;
  }
}

packageForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showPackage(field(packageForm, "packageId")).catch((error: unknown) => showFailure(card, error));
});

shipmentForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const packageId = field(packageForm, "packageId");
  const input = {
    packageId,
    cargoCompanyId: field(shipmentForm, "cargoCompanyId"),
    trackingNumber: field(shipmentForm, "trackingNumber"),
    transitionId: field(shipmentForm, "transitionId") ? Number(field(shipmentForm, "transitionId")) : null,
  };
  // One key per submission: a retry of this very submission would reuse it.
  updateShipment(gateway, input, crypto.randomUUID())
    .then((outcome) => {
      showOutcome(outcome);
      return showPackage(packageId);
    })
    .catch((error: unknown) => showFailure(outcomeView, error));
});

// The work list: packed packages, a page at a time; a row's button fills the forms above.
const workList = element<HTMLOListElement>("work-list");
const moreButton = element<HTMLButtonElement>("more");
const workListStatus = element<HTMLElement>("work-list-status");
let nextPage: string | null = null;

async function showMore(): Promise<void> {
  const page = await loadPackages(gateway, nextPage);
  nextPage = page.next;
  moreButton.hidden = page.next === null;
  workList.dataset.total = String(page.total);
  for (const row of page.rows) {
    const item = document.createElement("li");
    item.dataset.id = row.id;
    item.append(`${row.id} (${row.orderNumber ?? "no order"}) `);
    if (row.canUpdateShipment) {
      const pick = document.createElement("button");
      pick.type = "button";
      pick.textContent = "Set shipment";
      pick.addEventListener("click", () => {
        (packageForm.elements.namedItem("packageId") as HTMLInputElement).value = row.id;
        void showPackage(row.id).catch((error: unknown) => showFailure(card, error));
      });
      item.append(pick);
    }
    workList.append(item);
  }
}

moreButton.addEventListener("click", () => {
  void showMore().catch((error: unknown) => showFailure(workListStatus, error));
});
void showMore().catch((error: unknown) => showFailure(workListStatus, error));
